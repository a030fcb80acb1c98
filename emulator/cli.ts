import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { Emulator } from './index.js'
import type { SeedDefaults } from './seed.js'

/** `npm run emulator -- [--port 4010] [--state file.json] [--seed overrides.json]` */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.EMULATOR_PORT ?? '4010' },
    host: { type: 'string', default: '127.0.0.1' },
    state: { type: 'string' },
    seed: { type: 'string' }
  }
})

const seed = values.seed ? (JSON.parse(readFileSync(values.seed, 'utf8')) as Partial<SeedDefaults>) : undefined
const emulator = new Emulator({ seed, stateFile: values.state })
await emulator.start(Number(values.port), values.host)
const s = emulator.state.seed
const u = emulator.urls
console.log(`Asgardeo + Choreo emulator listening on ${u.base}

Asgardeo   org "${s.asgardeoOrg}"   base ${u.asgardeo}/t/${s.asgardeoOrg}
           token endpoint       ${u.asgardeo}/t/${s.asgardeoOrg}/oauth2/token
           management client    ${s.mgmtClientId} / ${s.mgmtClientSecret}
           password-grant user  ${s.userName} / ${s.userPassword}
Choreo     org "${s.choreoOrgHandle}" (${s.choreoOrgUuid})
           publisher            ${u.choreo}/api/am/publisher/v2
           developer portal     ${u.choreo}/api/am/devportal/v2
           PAT                  ${s.choreoPat}
           API                  "${s.apiName}" ${s.apiVersion} (${s.apiId})
           key manager          "${s.keyManagerName}"
           gateway              ${u.base}/gateway/{Development|Production}${s.apiContext}/${s.apiVersion}/…
GitHub     OIDC issuer          ${u.github}
Control    ${u.control}/{health,state,reset,log,faults,clock}
${values.state ? `State file ${values.state}\n` : ''}
These are emulator-only credentials; never use them anywhere else. Ctrl-C to stop.`)

const shutdown = (): void => {
  void emulator.stop().then(() => process.exit(0))
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
