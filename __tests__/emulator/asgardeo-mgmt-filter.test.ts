import { describe, expect, test } from '@jest/globals'
import { compare, evaluate, FilterSyntaxError, parseFilter } from '../../emulator/asgardeo/mgmt-filter.js'

/** The filter parser is shared by every management list; these pin IS's tokenizer rules. */
describe('management filter parser', () => {
  test('unquoted values may contain spaces, URLs and colons', () => {
    expect(parseFilter('name eq My App')).toEqual({ kind: 'expr', attr: 'name', op: 'eq', value: 'My App' })
    expect(parseFilter('identifier eq https://api.example.com/v1')).toMatchObject({ value: 'https://api.example.com/v1' })
    expect(parseFilter('name eq items:read')).toMatchObject({ value: 'items:read' })
  })

  test('quotes group, and keep keywords inside values', () => {
    expect(parseFilter('name eq "Sales and Marketing"')).toMatchObject({ kind: 'expr', value: 'Sales and Marketing' })
    expect(parseFilter("name sw 'a b'")).toMatchObject({ op: 'sw', value: 'a b' })
  })

  test('or binds looser than and; parentheses group; keywords are case-insensitive', () => {
    const tree = parseFilter('name eq a or name eq b and name eq c')
    expect(tree.kind).toBe('or')
    const get = (v: string) => (attr: string) => (attr === 'name' ? v : undefined)
    expect(evaluate(tree, get('a'))).toBe(true)
    expect(evaluate(tree, get('b'))).toBe(false)
    expect(evaluate(parseFilter('(name eq a OR name eq b) AND name ne b'), get('a'))).toBe(true)
  })

  test('malformed filters throw FilterSyntaxError', () => {
    for (const f of ['name', 'name eq', 'name eq a and', '(name eq a', 'name xx a']) {
      expect(() => parseFilter(f)).toThrow(FilterSyntaxError)
    }
  })

  test('eq is exact; co / sw / ew are case-insensitive; a missing attribute never matches', () => {
    expect(compare('eq', 'Items', 'items')).toBe(false)
    expect(compare('co', 'Items API', 'ms a')).toBe(true)
    expect(compare('sw', 'Items', 'IT')).toBe(true)
    expect(compare('ew', 'Items', 'EMS')).toBe(true)
    expect(compare('ne', undefined, 'x')).toBe(false)
  })
})
