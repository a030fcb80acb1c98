import { Ajv2020 } from 'ajv/dist/2020.js'
import { readFileSync } from 'node:fs'
import { parseStrictYaml } from '../../scripts/action-metadata.js'

/** config.schema.json compiled by ajv as an editor would apply it: strict draft 2020-12. */

export const configSchemaText = readFileSync('config.schema.json', 'utf8')
const validate = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true }).compile(JSON.parse(configSchemaText))

/** The schema's errors for a YAML text; a text that does not parse strictly is refused by any editor too. */
export function schemaProblems(text: string): string[] {
  let data: unknown
  try {
    data = parseStrictYaml(text, 'config.yaml')
  } catch (err) {
    return [(err as Error).message]
  }
  return validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`)
}
