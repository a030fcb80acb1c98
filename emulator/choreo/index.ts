import type { Router } from '../core/router.js'
import type { SeedDefaults } from '../seed.js'

// Placeholder: replaced by the Choreo emulation.
export interface ChoreoState {
  orgs: Record<string, unknown>
}
export function seedChoreo(_seed: SeedDefaults): ChoreoState {
  return { orgs: {} }
}
export function registerChoreo(_router: Router): void {}
