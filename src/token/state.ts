/** Step-state names shared by main (src/token/exchange.ts) and post (src/token/revoke.ts). */
export const STATE = { token: 'token', expiresAt: 'expires-at', revokeEndpoint: 'revoke-endpoint' } as const
