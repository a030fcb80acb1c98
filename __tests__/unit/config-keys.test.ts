import { expect, test } from '@jest/globals'
import { loadActionMetadata } from '../../scripts/action-metadata.js'
import { DEFAULTS_KEYS, ENTRY_KEYS, NOT_IN_FILE, RUN_WIDE, SECRET_INPUTS } from '../../src/config/keys.js'

/** src/config/keys.ts is written by hand: action.yml holds it, so a new input cannot slip past the config file. */

const declared = Object.keys(loadActionMetadata('.').inputs).sort()
const lists = { SECRET_INPUTS, RUN_WIDE, NOT_IN_FILE: Object.keys(NOT_IN_FILE), ENTRY_KEYS }

test('together the lists name every input of action.yml, and nothing else', () => {
  expect(Object.values(lists).flat().sort()).toEqual(declared)
})

test('no input is in two lists', () => {
  const all = Object.values(lists).flat()
  expect(all.filter((name, i) => all.indexOf(name) !== i)).toEqual([])
})

test('every input whose description says "Pass it from a secret" is a secret', () => {
  const meta = loadActionMetadata('.')
  const secretLike = declared.filter((n) => /pass it from a secret/i.test(meta.inputs[n].description))
  expect(secretLike.sort()).toEqual([...SECRET_INPUTS].sort())
})

test('defaults takes the entry keys and the run-wide ones, never a secret', () => {
  expect([...DEFAULTS_KEYS].sort()).toEqual([...ENTRY_KEYS, ...RUN_WIDE].sort())
  expect(DEFAULTS_KEYS.filter((k) => SECRET_INPUTS.includes(k))).toEqual([])
})
