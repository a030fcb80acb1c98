import * as jose from 'jose'

/** A signing key as kept in the emulator state (so a persisted state keeps verifying old tokens). */
export interface StoredKey {
  kid: string
  privateJwk: jose.JWK
  publicJwk: jose.JWK
}

/**
 * RS256 signing keys by issuer name (`asgardeo:<org>`, `github`), created on first use. Tokens are
 * signed and verified with `jose`, a real JOSE library, so what verifies here verifies anywhere.
 */
export class KeyStore {
  private readonly imported = new Map<string, jose.CryptoKey | Uint8Array>()
  private readonly pending = new Map<string, Promise<StoredKey>>()

  /** `onCreate` runs after a new key is added to `stored`, so the owner can persist it. */
  constructor(
    private readonly stored: Record<string, StoredKey>,
    private readonly onCreate: () => void = () => {}
  ) {}

  private async ensure(name: string): Promise<StoredKey> {
    const have = this.stored[name]
    if (have) return have
    let p = this.pending.get(name)
    if (!p) {
      p = (async () => {
        const { privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true })
        const kid = (await jose.calculateJwkThumbprint(await jose.exportJWK(publicKey))).slice(0, 16)
        const key: StoredKey = {
          kid,
          privateJwk: { ...(await jose.exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' },
          publicJwk: { ...(await jose.exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }
        }
        this.stored[name] = key
        this.onCreate()
        return key
      })()
      this.pending.set(name, p)
    }
    return p
  }

  async jwks(name: string): Promise<{ keys: jose.JWK[] }> {
    return { keys: [(await this.ensure(name)).publicJwk] }
  }

  async sign(name: string, claims: jose.JWTPayload, header: Partial<jose.JWTHeaderParameters> = {}): Promise<string> {
    const key = await this.ensure(name)
    let privateKey = this.imported.get(`${name}:${key.kid}`)
    if (!privateKey) {
      privateKey = await jose.importJWK(key.privateJwk, 'RS256')
      this.imported.set(`${name}:${key.kid}`, privateKey)
    }
    return new jose.SignJWT(claims).setProtectedHeader({ typ: 'JWT', ...header, alg: 'RS256', kid: key.kid }).sign(privateKey)
  }

  /** Verifies signature and time claims against this store's key `name`. */
  async verify(name: string, token: string, options: jose.JWTVerifyOptions = {}): Promise<jose.JWTVerifyResult> {
    const jwks = jose.createLocalJWKSet(await this.jwks(name))
    return jose.jwtVerify(token, jwks, { algorithms: ['RS256'], ...options })
  }
}
