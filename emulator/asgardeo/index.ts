import type { Router } from '../core/router.js'
import { registerOAuth } from './oauth.js'
import { registerScim } from './scim.js'
import { registerManagement } from './management.js'

export { seedAsgardeo, type AsgardeoState } from './state.js'

/** Asgardeo (WSO2 Identity Server) under /t/{org}: OAuth2 endpoints, management REST and SCIM2. */
export function registerAsgardeo(router: Router): void {
  registerOAuth(router)
  registerManagement(router)
  registerScim(router)
}
