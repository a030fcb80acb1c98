import type { Router } from '../core/router.js'
import type { SeedDefaults } from '../seed.js'

// Placeholder: replaced by the GitHub Actions OIDC issuer emulation.
export interface GithubState {
  requestTokens: Record<string, unknown>
}
export function seedGithub(_seed: SeedDefaults): GithubState {
  return { requestTokens: {} }
}
export function registerGithub(_router: Router, _control: Router): void {}
