import type { Router } from '../core/router.js'
import { registerDevportal } from './devportal.js'
import { registerGateway } from './gateway.js'
import { registerPlatform } from './platform.js'
import { registerPublisher } from './publisher.js'

export { seedChoreo, type ChoreoState } from './state.js'

/**
 * Choreo on the one emulator host: platform APIs (PAT introspection, orgs), API Manager publisher v2 and
 * developer portal v2 (with ?organizationId=), and a gateway under /gateway/{env}. See README.md.
 */
export function registerChoreo(router: Router): void {
  registerPlatform(router)
  registerPublisher(router)
  registerDevportal(router)
  registerGateway(router)
}
