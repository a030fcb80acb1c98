import type { Router } from '../core/router.js'
import { registerFederatedAssociations } from './scim-federated-associations.js'
import { registerScimRoles } from './scim-roles.js'
import { registerScimUsers } from './scim-users.js'

/**
 * Asgardeo SCIM2 (Roles v2, Users) and the admin federated-association API that binds a GitHub `sub`
 * to a local user (it lives under /api/users/v1 but belongs with the users it links).
 */
export function registerScim(router: Router): void {
  registerScimRoles(router)
  registerScimUsers(router)
  registerFederatedAssociations(router)
}
