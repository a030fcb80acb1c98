import { InputError, readConfig, type Config, type GetInput } from '../inputs.js'
import { readConfigFile } from './file.js'

/**
 * The run's configs: the single-API inputs, or one per entry of the `config` file. Every entry is read
 * and checked before any network call; the problems of all entries are reported together, each naming
 * its entry.
 */
export function readConfigs(getInput: GetInput, env: NodeJS.ProcessEnv = process.env): Config[] {
  const path = getInput('config').trim()
  if (!path) return [readConfig(getInput, env)]
  const problems: string[] = []
  const configs: Config[] = []
  for (const entry of readConfigFile(path, getInput, env)) {
    if (entry.get('grant-type').trim().toLowerCase() === 'token-exchange') {
      problems.push(TOKEN_EXCHANGE(entry.name))
      continue
    }
    try {
      configs.push({ ...readConfig(entry.get, env), entry: entry.name })
    } catch (err) {
      if (!(err instanceof InputError)) throw err
      problems.push(...err.problems.map((p) => `config entry "${entry.name}": ${p}`))
    }
  }
  if (problems.length === 0) problems.push(...conflicts(configs))
  if (problems.length > 0) throw new InputError(problems)
  return configs
}

/** What the entries of one run must agree on, or may not share. */
function conflicts(configs: Config[]): string[] {
  const problems: string[] = []
  const byApplication = new Map<string, Config>()
  const byApi = new Map<string, Config>()
  for (const c of configs) {
    if (c.smoke)
      problems.push(
        `config entry "${c.entry}": "smoke-test" runs with the single-API inputs only; call the gateway in a later step with the token from the "results" output.`
      )
    // One application serves every entry that names it: it is made once, so it is made one way.
    const first = byApplication.get(c.application)
    if (!first) byApplication.set(c.application, c)
    else {
      const differ = APPLICATION_KEYS.filter(([, of]) => of(first) !== of(c)).map(([key]) => key)
      if (differ.length > 0)
        problems.push(
          `config entries "${first.entry}" and "${c.entry}" share the application "${c.application}" but differ in ${differ.join(', ')}; give them the same ${differ.join(', ')} or different "application" names.`
        )
    }
    // Two entries on one API would fight over its scopes.
    const api = c.api.id ?? `${c.api.name}@${c.api.version ?? ''}`
    const same = byApi.get(api)
    if (same)
      problems.push(
        `config entries "${same.entry}" and "${c.entry}" both name the API ${c.api.id ? `id "${c.api.id}"` : `"${c.api.name}"${c.api.version ? ` version "${c.api.version}"` : ''}`}; list all its permissions in one entry.`
      )
    else byApi.set(api, c)
  }
  return problems
}

/** The GitHub OIDC binding is per application and was not reworked for many entries (NOTES.md row 71). */
const TOKEN_EXCHANGE = (entry: string): string =>
  `config entry "${entry}": grant-type token-exchange is not supported in a config file yet; secure that API in a step of its own.`

const APPLICATION_KEYS: [string, (c: Config) => unknown][] = [
  ['grant-type', (c) => c.grant.type],
  ['username', (c) => (c.grant.type === 'password' ? c.grant.username : undefined)],
  ['password', (c) => (c.grant.type === 'password' ? c.grant.password : undefined)],
  ['key-manager', (c) => c.keyManager],
  ['owner', (c) => c.owner],
  ['adopt', (c) => c.adopt],
  ['throttling-policy', (c) => c.throttlingPolicy]
]
