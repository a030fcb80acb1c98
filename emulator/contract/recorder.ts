/**
 * One request the emulator answered and its answer, as the contract tests validate them. The recorder is
 * off unless a test turns it on (`emulator.contract = []`, done by `useEmulator`): dev-only.
 */
export interface ContractPair {
  method: string
  /** Path without the query. */
  path: string
  query: string
  /** The action's own requests (its User-Agent) are validated as requests too. */
  fromAction: boolean
  requestContentType: string
  requestBody: string
  status: number
  responseHeaders: Record<string, string>
  responseBody: string
  /** False when no route matched (the router's 404 / 405). */
  routed: boolean
}
