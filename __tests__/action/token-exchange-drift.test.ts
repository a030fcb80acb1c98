import { describe, expect, test } from '@jest/globals'
import { emulatorInputs, writesSince } from '../../scripts/local-runner.js'
import { useEmulator } from '../support/emulator.js'
import { asgardeo } from '../support/services.js'
import { runMain } from '../support/token-runner.js'

/** The binding in plan and check modes, and drift a person could cause in the Console, through dist/. */

const emu = useEmulator()

const PROD = 'repo:octo-org/items-service:environment:prod'
const inputs = (extra: Record<string, string> = {}) =>
  emulatorInputs(emu, { 'grant-type': 'token-exchange', 'github-subjects': PROD, 'oidc-issuer': `${emu.url}/github`, ...extra })
const actions = (plan: string, prefix = 'Asgardeo') =>
  (JSON.parse(plan) as { resource: string; name: string; action: string }[])
    .filter((c) => c.resource.startsWith(prefix))
    .map((c) => `${c.resource}: ${c.action}`)

describe('plan mode from nothing', () => {
  test('lists every piece of the binding as "create" and writes nothing', async () => {
    const since = emu.log.lastSeq
    const run = await runMain(inputs({ mode: 'plan' }))
    expect(run.exitCode).toBe(0)
    expect(await writesSince(emu, since)).toEqual([])
    expect(actions(run.outputs.plan)).toEqual([
      'Asgardeo API resource: create',
      'Asgardeo application: create',
      'Asgardeo API authorization: create',
      'Asgardeo trusted token issuer: create',
      'Asgardeo implicit association: create',
      'Asgardeo linked local account: create',
      'Asgardeo token-exchange grant: create',
      'Asgardeo service user: create',
      'Asgardeo application role: create',
      'Asgardeo federated association: create'
    ])
  })
})

describe('drift', () => {
  test('implicit association turned on, linking made optional, refresh tokens enabled: check fails, apply repairs', async () => {
    const first = await runMain(inputs())
    expect(first.exitCode).toBe(0)
    const org = emu.state.asgardeo.orgs[emu.state.seed.asgardeoOrg]
    const idp = org.identityProviders.find((p) => p.idpIssuerName === `${emu.url}/github`)!
    const appId = first.outputs['asgardeo-application-id']
    // A person in the Console weakens all three.
    expect(
      (
        await asgardeo(emu, 'PUT', `/api/server/v1/identity-providers/${idp.id}/implicit-association`, {
          isEnabled: true,
          lookupAttribute: ['http://wso2.org/claims/emailaddress']
        })
      ).status
    ).toBe(200)
    expect(
      (
        await asgardeo(emu, 'PATCH', `/api/server/v1/applications/${appId}`, {
          claimConfiguration: { dialect: 'LOCAL', subject: { useMappedLocalSubject: true, mappedLocalSubjectMandatory: false } }
        })
      ).status
    ).toBe(200)
    const oidc = (await asgardeo(emu, 'GET', `/api/server/v1/applications/${appId}/inbound-protocols/oidc`)).body
    oidc.grantTypes.push('refresh_token')
    expect((await asgardeo(emu, 'PUT', `/api/server/v1/applications/${appId}/inbound-protocols/oidc`, oidc)).status).toBeLessThan(300)

    const check = await runMain(inputs({ mode: 'check' }))
    expect(check.exitCode).toBe(1)
    expect(check.stdout).toContain('Drift:')
    for (const name of ['Asgardeo implicit association', 'Asgardeo linked local account', 'Asgardeo token-exchange grant']) {
      expect(check.stdout).toContain(`${name} "`)
    }

    const repair = await runMain(inputs())
    expect(repair.exitCode).toBe(0)
    expect(idp.implicitAssociation).toEqual({ isEnabled: false, lookupAttribute: ['http://wso2.org/claims/emailaddress'] })
    const app = org.applications.find((a) => a.id === appId)!
    expect((app.extra.claimConfiguration as any).subject.mappedLocalSubjectMandatory).toBe(true)
    expect(app.oidc.grantTypes).not.toContain('refresh_token')
    const since = emu.log.lastSeq
    expect((await runMain(inputs({ mode: 'check' }))).exitCode).toBe(0)
    expect(await writesSince(emu, since)).toEqual([])
  })

  test('a custom issuer whose discovery document names another issuer fails before any write', async () => {
    const since = emu.log.lastSeq
    const run = await runMain(inputs({ 'oidc-issuer': `${emu.url}/github/enterprise-x` }))
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('Input "oidc-issuer"')
    expect(await writesSince(emu, since)).toEqual([])
  })

  test('a subject linked to another user is an error that says how to free it', async () => {
    const org = emu.state.asgardeo.orgs[emu.state.seed.asgardeoOrg]
    const first = await runMain(inputs())
    expect(first.exitCode).toBe(0)
    // Someone linked the same sub to a person's account through the same issuer.
    const idp = org.identityProviders.find((p) => p.idpIssuerName === `${emu.url}/github`)!
    const service = org.users.find((u) => u.userName.startsWith('github-oidc-'))!
    service.federatedAssociations = []
    org.users.find((u) => u.id === emu.state.seed.userId)!.federatedAssociations.push({ idp: idp.name, federatedUserId: PROD })
    const run = await runMain(inputs())
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain(`The subject "${PROD}" is already linked to another local user`)
  })
})
