import { describe, expect, it } from 'vitest'
import { locateInString, parseJson, type ParseJsonResult } from '../../src/json/parse-json.ts'

const errorsOf = (r: ParseJsonResult) => (r.ok ? [] : r.errors)
const ok = (text: string) => {
  const r = parseJson(text)
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r
}

describe('parseJson', () => {
  it('parses what JSON.parse parses, to the same value', () => {
    const text = '{"a": [1, -2.5e3, true, false, null, "x\\"y\\u00e9\\n"], "b": {}, "c": []}'
    expect(ok(text).value).toEqual(JSON.parse(text))
  })

  it('rejects a duplicate key at the second occurrence', () => {
    expect(errorsOf(parseJson('{\n  "nip": "1",\n  "nip": "2"\n}'))).toEqual([
      { pointer: '/nip', line: 3, col: 3, message: "duplicate key 'nip'" },
    ])
  })

  it('rejects duplicate keys in nested objects with the pointer of the member', () => {
    expect(errorsOf(parseJson('{"answers": [{"q1": 1, "q1": 2}]}'))).toEqual([
      { pointer: '/answers/0/q1', line: 1, col: 24, message: "duplicate key 'q1'" },
    ])
  })

  it.each(['__proto__', 'constructor', 'prototype'])('rejects the key %s', (key) => {
    expect(errorsOf(parseJson(`{"a": {"${key}": {"admin": true}}}`))).toEqual([
      { pointer: `/a/${key}`, line: 1, col: 8, message: `key '${key}' is not allowed` },
    ])
  })

  it('lists an 18-digit NIP sent as a number with the digits as written', () => {
    const r = ok('{"subject": 199001012015031001, "score": 4}')
    expect(r.unsafeNumbers).toEqual([{ pointer: '/subject', raw: '199001012015031001', line: 1, col: 13 }])
  })

  it('does not list numbers that are exact', () => {
    expect(ok('[9007199254740991, -9007199254740991, 0.1, 1e3, 4.5]').unsafeNumbers).toEqual([])
  })

  it('lists numbers out of range', () => {
    expect(ok('[1e400]').unsafeNumbers).toEqual([{ pointer: '/0', raw: '1e400', line: 1, col: 2 }])
  })

  it('refuses nesting deeper than the limit, by default 64', () => {
    expect(parseJson('['.repeat(64) + ']'.repeat(64)).ok).toBe(true)
    const deep = errorsOf(parseJson('['.repeat(65) + ']'.repeat(65)))
    expect(deep).toHaveLength(1)
    expect(deep[0]).toMatchObject({ line: 1, col: 65, message: 'nested deeper than 64 levels' })
    expect(errorsOf(parseJson('{"a":{"b":{}}}', { maxDepth: 2 }))[0]?.message).toBe('nested deeper than 2 levels')
  })

  it('stays fast on a large body and stops a hostile one at once', () => {
    const big = JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ nip: String(i), answers: { q1: 3, note: 'baik\n' } })))
    const t = performance.now()
    expect(parseJson(big).ok).toBe(true)
    expect(parseJson('['.repeat(1_000_000)).ok).toBe(false)
    expect(performance.now() - t).toBeLessThan(2_000)
  })

  it.each([
    ['{"a": 1,}', 1, 8, "trailing comma: remove the ',' before '}'"],
    ['[1, 2,\n]', 1, 6, "trailing comma: remove the ',' before ']'"],
    ['{"a": 1 "b": 2}', 1, 9, "missing ',' before this property"],
    ['{a: 1}', 1, 2, 'property names must be in double quotes (")'],
    ["{'a': 1}", 1, 2, 'property names must be in double quotes (")'],
    ['{"a": \'x\'}', 1, 7, 'strings must be in double quotes (")'],
    ['{"a": True}', 1, 7, "unexpected 'True': did you mean true?"],
    ['{"nip": 0199}', 1, 9, 'numbers cannot start with 0: if this is an id or a NIP, write it as a string in double quotes'],
    ['{"a": "x\ny"}', 1, 9, 'line break inside a string: write it as \\n'],
    ['{"a": "\\x"}', 1, 8, "invalid escape '\\x' in a string"],
    ['{"a": "\\u12G4"}', 1, 8, 'invalid \\u escape: expected 4 hex digits'],
    ['{"a": "open}', 1, 7, 'unterminated string: the closing " is missing'],
    ['{"a": [1, 2}', 1, 12, "expected ',' or ']' after item 1"],
    ['[1, 2', 1, 6, "unexpected end of the text: ']' missing (array opened at line 1 col 1)"],
    ['{\n  "a": 1\n', 3, 1, "unexpected end of the text: '}' missing (object opened at line 1 col 1)"],
    ['// note\n{}', 1, 1, 'comments are not allowed in JSON'],
    ['{} {}', 1, 4, "unexpected '{' after the end of the JSON value"],
    ['  ', 1, 3, 'the text is empty: expected a JSON value'],
  ])('explains %j at its line and column', (text, line, col, message) => {
    expect(errorsOf(parseJson(text))).toEqual([expect.objectContaining({ line, col, message })])
  })

  it('accepts a leading byte order mark without counting it as a column', () => {
    const r = parseJson('\ufeff{"a": x}')
    expect(errorsOf(r)[0]).toMatchObject({ line: 1, col: 7 })
    expect(ok('\ufeff{"a": 1}').value).toEqual({ a: 1 })
  })

  it('counts lines of CRLF files like editors do', () => {
    expect(ok('{\r\n  "a": 1,\r\n  "b": 2\r\n}').locate('/b')).toEqual({ line: 3, col: 8 })
  })
})

describe('locate', () => {
  const text = '{\n  "states": {\n    "a/b": { "next": "c~d" },\n    "list": [10, {"x": true}]\n  }\n}'
  const r = ok(text)

  it('finds the value a pointer names, with ~0 and ~1 escapes', () => {
    expect(r.locate('')).toEqual({ line: 1, col: 1 })
    expect(r.locate('/states/a~1b/next')).toEqual({ line: 3, col: 22 })
    expect(r.locate('/states/list/1/x')).toEqual({ line: 4, col: 24 })
  })

  it('finds the key of a member', () => {
    expect(r.locateKey('/states/a~1b')).toEqual({ line: 3, col: 5 })
    expect(r.locateKey('/states/list/0')).toEqual({ line: 4, col: 14 })
  })

  it('falls back to the nearest existing parent for a missing member', () => {
    expect(r.locate('/states/a~1b/missing')).toEqual({ line: 3, col: 12 })
    expect(r.locate('/states/list/7')).toEqual({ line: 4, col: 13 })
  })
})

describe('locateInString', () => {
  it('points at the character of a decoded string, counting escapes as one character', () => {
    //          col: 1234567890123456789012345678901
    const text = '{"when": "\\"x\\" \\u00e9 \\n + ]"}'
    const r = ok(text)
    const decoded = (r.value as { when: string }).when
    expect(decoded).toBe('"x" é \n + ]')
    const index = decoded.indexOf(']')
    expect(r.locateInString('/when', index)).toEqual({ line: 1, col: text.indexOf(']') + 1 })
    expect(r.locateInString('/when', 0)).toEqual({ line: 1, col: 11 })
  })

  it('points just past the last character for an offset at the end', () => {
    const r = ok('{"e": "1 +"}')
    expect(r.locateInString('/e', 3)).toEqual({ line: 1, col: 11 })
  })
})

describe('locateInString (standalone)', () => {
  it('parses the text and locates the character', () => {
    expect(locateInString('{\n  "e": "a\\tb ]"\n}', '/e', 4)).toEqual({ line: 2, col: 14 })
    expect(locateInString('{', '/e', 0)).toBeUndefined()
  })
})
