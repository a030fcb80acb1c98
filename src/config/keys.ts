/**
 * Which of the action's inputs a `config` file may set, and where. Listed by hand (the action reads no
 * action.yml at run time); __tests__/unit/config-keys.test.ts holds the lists to action.yml: together they
 * name every input exactly once. scripts/docs.ts builds config.schema.json from them.
 */

/** Refused anywhere in the file: a committed file is no place for a secret. */
export const SECRET_INPUTS: readonly string[] = ['asgardeo-client-secret', 'choreo-token', 'password', 'client-secret']

/** One value for the whole run (one org, one management client, one deadline): `defaults` or a step input only. */
export const RUN_WIDE: readonly string[] = [
  'mode',
  'asgardeo-url',
  'asgardeo-org',
  'asgardeo-client-id',
  'choreo-url',
  'choreo-console-url',
  'choreo-org',
  'choreo-org-id',
  'timeout-seconds',
  'deploy-wait-seconds'
]

const SMOKE = 'smoke tests do not run per entry; smoke-test in a later step, with the tokens of the `results` output'
const TOKEN_MODE = 'it belongs to `mode: token`, which does not take a config file'
const BINDING = 'the GitHub OIDC binding (grant-type: token-exchange) is set up one API per step in this version'

/** Inputs with no meaning in a config file, each with the reason given when one appears there. */
export const NOT_IN_FILE: Readonly<Record<string, string>> = {
  config: 'a config file cannot name another one',
  'client-id': `${TOKEN_MODE} (the management client is asgardeo-client-id, a defaults key)`,
  revoke: TOKEN_MODE,
  'smoke-test': SMOKE,
  'smoke-environment': SMOKE,
  'smoke-wait-seconds': SMOKE,
  'github-subjects': BINDING,
  'oidc-issuer': BINDING,
  'oidc-audience': BINDING
}

/** What each API may set for itself (and `defaults` for all of them). */
export const ENTRY_KEYS: readonly string[] = [
  'api',
  'api-version',
  'api-id',
  'scopes',
  'openapi',
  'token-scopes',
  'application',
  'api-identifier',
  'grant-type',
  'username',
  'key-manager',
  'environments',
  'deploy',
  'throttling-policy',
  'prune',
  'scope-prefix',
  'owner',
  'adopt'
]

/** The keys `defaults` takes: an entry's, and the run-wide ones. */
export const DEFAULTS_KEYS: readonly string[] = [...ENTRY_KEYS, ...RUN_WIDE]

/**
 * Entry names become keys of the `results` JSON, read as `fromJSON(…).<name>`: GitHub's property syntax
 * takes a letter first, then letters, digits, `-` and `_`.
 */
export const ENTRY_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/

/**
 * At most this many APIs in one file. A first run makes about 4 Asgardeo requests per API (resource lookup
 * and create, authorization, token) against a limit of about 200 a minute: 100 APIs take about two minutes
 * of pacing, inside the default timeout-seconds (300) with room for the shared calls and the deploys.
 */
export const MAX_ENTRIES = 100
