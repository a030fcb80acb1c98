import type { Router } from '../core/router.js'
import { registerApiResources } from './mgmt-api-resources.js'
import { registerApplications } from './mgmt-applications.js'
import { registerAuthorizedApis } from './mgmt-authorized-apis.js'
import { registerIdentityProviders } from './mgmt-idps.js'

/**
 * The Asgardeo management REST APIs under /t/{org}/api/server/v1: API resources and scopes,
 * applications (OIDC inbound, client secret, authorized APIs) and identity providers.
 * Behaviour, quirks and guesses: emulator/asgardeo/README.md, section "Management API".
 */
export function registerManagement(router: Router): void {
  registerApiResources(router)
  registerAuthorizedApis(router)
  registerApplications(router)
  registerIdentityProviders(router)
}
