import type { Router } from '../core/router.js'
import type { SeedDefaults } from '../seed.js'

// Placeholder: replaced by the Asgardeo emulation.
export interface AsgardeoState {
  orgs: Record<string, unknown>
}
export function seedAsgardeo(_seed: SeedDefaults): AsgardeoState {
  return { orgs: {} }
}
export function registerAsgardeo(_router: Router): void {}
