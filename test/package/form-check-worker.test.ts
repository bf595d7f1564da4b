/**
 * The Workers variant of the form check (src/package/form-check-worker.ts) against Node's
 * (form-check.ts, ajv compiling at run time): the same errors, path and message, in the same
 * order, for every form and review-action input of the bundled packages, on the sample
 * submissions and on answers made wrong in every way the schemas forbid; first through the
 * validators compiled at build time, then through the eval-free fallback used for schemas the
 * build did not see. Then: the generated module has no code generation in it, the bundle wrangler
 * would build picks the Worker variant, and real workerd (which forbids code generation, unlike
 * vitest-pool-workers) loads both packages and checks answers as Node does.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WORKER_VALIDATORS_DTS, workerValidatorsSource } from '../../scripts/gen-worker-validators.ts'
import { listPackageDirs, readPackageDir } from '../../src/entry/package-files.ts'
import * as node from '../../src/package/form-check.ts'
import { startProbeWorker, type ProbeWorker } from '../support/wrangler.ts'
import { schemaKey } from '../../src/package/schema-key.ts'
import type { SchemaCheck } from '../../src/package/loaded-package.ts'
import { loadPackage } from '../../src/package/load-package.ts'
import { formIdOf, WORKFLOW_FILE } from '../../src/package/select-files.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const GENERATED = join(ROOT, 'src/generated/worker/validators.js')
const packageDirs = await listPackageDirs(join(ROOT, 'workflows'))
const freshSource = await workerValidatorsSource(packageDirs)
// scripts/gen-worker.ts writes this file before tests and typecheck; a lone run of this file
// writes it when it is missing, so the worker module below can be imported at all.
if (!existsSync(GENERATED)) {
  await mkdir(join(ROOT, 'src/generated/worker'), { recursive: true })
  await writeFile(GENERATED, freshSource)
  await writeFile(GENERATED.replace(/\.js$/, '.d.ts'), WORKER_VALIDATORS_DTS)
}
const worker = await import('../../src/package/form-check-worker.ts')
const { validators } = await import('../../src/generated/worker/validators.js')

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

interface BundledSchema {
  name: string
  schema: Json
}

/** Every form and review-action input of the bundled packages, as load-package.ts sees them. */
async function bundledSchemas(): Promise<BundledSchema[]> {
  const out: BundledSchema[] = []
  for (const dir of packageDirs) {
    const files = await readPackageDir(dir)
    const pkg = dir.split('/').at(-1)
    for (const [path, text] of Object.entries(files)) {
      if (formIdOf(path) !== undefined) out.push({ name: `${pkg} ${path}`, schema: JSON.parse(text) as Json })
    }
    const wf = JSON.parse(files[WORKFLOW_FILE]!) as { states: Record<string, { type: string; actions?: Record<string, { input?: Json }> }> }
    for (const [state, s] of Object.entries(wf.states)) {
      if (s.type !== 'review') continue
      for (const [action, a] of Object.entries(s.actions ?? {})) if (a.input) out.push({ name: `${pkg} ${state}/${action}`, schema: a.input })
    }
  }
  return out
}

const schemas = await bundledSchemas()

const compiled = (compile: (s: unknown) => node.CompileResult, schema: unknown): SchemaCheck => {
  const r = compile(schema)
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r.check
}

/** The same schema as an upload the build never saw: `$comment` changes its key, not its meaning. */
const notBuilt = (schema: Json): Json => ({ ...schema, $comment: 'uploaded after the build' })

const NIP = '199001152015031004'

/** A value `q` accepts, made from its keywords (the forms use only these). */
function validValue(q: Json): unknown {
  if (q.const !== undefined) return q.const
  if (Array.isArray(q.enum)) return q.enum[0]
  switch (q.type) {
    case 'integer':
    case 'number':
      return typeof q.minimum === 'number' ? q.minimum : 1
    case 'string':
      return q.pattern === '^[0-9]{18}$' ? NIP : 'x'.repeat(Math.max(Number(q.minLength ?? 1), 1))
    case 'boolean':
      return true
    case 'array':
      return []
    case 'object':
      return validObject(q)
    default:
      return 'x'
  }
}

/** An object with every property of `s` answered (and one entry when it needs one). */
function validObject(s: Json): Json {
  const props = isObject(s.properties) ? s.properties : {}
  const out: Json = Object.fromEntries(Object.entries(props).map(([k, q]) => [k, validValue(q as Json)]))
  const names = isObject(s.propertyNames) && Array.isArray(s.propertyNames.enum) ? (s.propertyNames.enum as string[]) : undefined
  if (Object.keys(out).length === 0 && names && isObject(s.additionalProperties)) out[names[0]!] = validValue(s.additionalProperties)
  return out
}

/** 'sesuai' -> 'sesuaii': a near miss, so the message offers "did you mean". */
const typo = (s: string): string => s + s.at(-1)

/** Values `q` refuses, each labelled with why. */
function badValues(q: Json): [string, unknown][] {
  const out: [string, unknown][] = []
  const types: Record<string, unknown> = { integer: 'tiga', number: 'tiga', string: 42, boolean: 'ya', array: 'x', object: 'x' }
  if (typeof q.type === 'string') out.push([`not ${q.type}`, types[q.type]])
  if (Array.isArray(q.enum)) {
    const first = q.enum.find((v): v is string => typeof v === 'string')
    if (first !== undefined) out.push(['near miss of the enum', typo(first)], ['another case', first.toUpperCase()])
    out.push(['a number for the enum', 99])
  }
  if (q.type === 'integer') out.push(['a fraction', 2.5])
  if (typeof q.minimum === 'number') out.push(['below minimum', q.minimum - 1])
  if (typeof q.maximum === 'number') out.push(['above maximum', q.maximum + 1])
  if (typeof q.minLength === 'number' && q.minLength > 0) out.push(['too short', 'x'.repeat(q.minLength - 1)])
  if (typeof q.maxLength === 'number') out.push(['too long', 'x'.repeat(q.maxLength + 1)])
  if (typeof q.pattern === 'string') out.push(['not the pattern', '12345'], ['a NIP as a number', 199001152015031])
  if (q.type === 'array') {
    const item = isObject(q.items) ? q.items : {}
    if (typeof q.maxItems === 'number') out.push(['too many items', Array.from({ length: q.maxItems + 1 }, () => validValue(item))])
    for (const [why, v] of badValues(item)) out.push([`an item ${why}`, [validValue(item), v]])
  }
  if (q.type === 'object') for (const [why, v] of badObjects(q)) out.push([`inside: ${why}`, v])
  return out
}

/** Objects `s` refuses (a valid one changed in one way, then in many at once), each labelled. */
function badObjects(s: Json): [string, unknown][] {
  const base = validObject(s)
  const props = isObject(s.properties) ? s.properties : {}
  const without = (keys: string[]) => Object.fromEntries(Object.entries(base).filter(([k]) => !keys.includes(k)))
  const out: [string, unknown][] = [
    ['a string instead of an object', 'jawaban'],
    ['null', null],
    ['an array', [base]],
  ]
  if (Array.isArray(s.required) && s.required.length > 0) {
    out.push(['nothing answered', {}])
    for (const r of s.required as string[]) out.push([`missing ${r}`, without([r])])
  }
  if (s.additionalProperties === false) {
    out.push(['an unknown property', { ...base, tambahan: 1 }])
    const first = Object.keys(props)[0]
    if (first) out.push(['a misspelt property', { ...without([first]), [typo(first)]: base[first] }])
  }
  for (const [k, q] of Object.entries(props)) for (const [why, v] of badValues(q as Json)) out.push([`${k}: ${why}`, { ...base, [k]: v }])
  if (isObject(s.dependentRequired)) {
    for (const [k, deps] of Object.entries(s.dependentRequired)) out.push([`${k} without what it needs`, without(deps as string[])])
  }
  const names = isObject(s.propertyNames) && Array.isArray(s.propertyNames.enum) ? (s.propertyNames.enum as string[]) : undefined
  if (names && isObject(s.additionalProperties)) {
    const value = validValue(s.additionalProperties)
    out.push(['a misspelt name', { ...base, [typo(names[0]!)]: value }], ['no entries', {}])
    for (const [why, v] of badValues(s.additionalProperties)) out.push([`an entry ${why}`, { [names[1]!]: v }])
  }
  const wrong = Object.fromEntries(Object.entries(props).map(([k, q]) => [k, badValues(q as Json)[0]?.[1]]))
  out.push(['everything wrong at once', { ...wrong, tambahan: true }])
  return out
}

/** The sample submissions (form id -> answers) and sample action inputs (action -> inputs) of Plaju. */
async function samples(): Promise<{ forms: Record<string, unknown[]>; actions: Record<string, unknown[]> }> {
  const dir = join(ROOT, 'workflows/plaju-kompetensi-360/sample')
  const forms: Record<string, unknown[]> = {}
  for (const f of await readdir(join(dir, 'submissions'))) {
    const s = JSON.parse(await readFile(join(dir, 'submissions', f), 'utf8')) as { form: string; answers: unknown }
    ;(forms[s.form] ??= []).push(s.answers)
  }
  const actions: Record<string, unknown[]> = {}
  for (const a of JSON.parse(await readFile(join(dir, 'actions.json'), 'utf8')) as { action: string; input?: unknown }[]) {
    if (a.input !== undefined) (actions[a.action] ??= []).push(a.input)
  }
  return { forms, actions }
}

const sample = await samples()
const schemaOf = (name: string): Json => schemas.find((s) => s.name === name)!.schema

describe('the Worker form check, for the bundled packages', () => {
  it('finds all 13 schemas compiled at build time: 4 + 4 forms and 5 distinct action inputs', () => {
    // Plaju: adjust, set, object, uphold, revise; SKP's object/uphold/revise inputs are the same
    // JSON as Plaju's, so they share a key: 8 forms + 5 inputs = 13 validators.
    expect(schemas).toHaveLength(16)
    expect(Object.keys(validators)).toHaveLength(13)
    for (const { schema } of schemas) expect(Object.hasOwn(validators, schemaKey(schema))).toBe(true)
    for (const { schema } of schemas) expect(worker.checkJsonSchema(schema)).toEqual([])
  })

  it('the generated file is the one the packages in workflows/ give (else run scripts/gen-worker.ts)', async () => {
    expect(await readFile(GENERATED, 'utf8')).toBe(freshSource)
  })

  it('accepts all 50 sample submissions and the sample action inputs, as Node does', () => {
    // 10 self + 10 supervisor + 30 peer submissions in workflows/plaju-kompetensi-360/sample.
    expect(Object.values(sample.forms).flat()).toHaveLength(50)
    for (const [form, list] of Object.entries(sample.forms)) {
      const schema = schemaOf(`plaju-kompetensi-360 forms/${form}.json`)
      const checks = [compiled(worker.compileSchemaCheck, schema), compiled(worker.compileSchemaCheck, notBuilt(schema))]
      for (const answers of list) for (const check of checks) expect(check(answers)).toEqual([])
    }
    const stateOf: Record<string, string> = { adjust: 'discussion', object: 'objection', revise: 'decision', uphold: 'decision' }
    expect(Object.keys(sample.actions).sort()).toEqual(['adjust', 'object', 'revise', 'uphold'])
    for (const [action, list] of Object.entries(sample.actions)) {
      const schema = schemaOf(`plaju-kompetensi-360 ${stateOf[action]}/${action}`)
      for (const input of list) expect(compiled(worker.compileSchemaCheck, schema)(input)).toEqual([])
    }
  })

  it("reports a supervisor's out-of-range answer as Node does (maximum 5)", () => {
    const schema = schemaOf('plaju-kompetensi-360 forms/supervisor.json')
    const answers = { ...(sample.forms.supervisor![0] as Json), integritas_1: 7 }
    const expected = [{ path: '/integritas_1', message: 'must be at most 5' }]
    expect(compiled(node.compileSchemaCheck, schema)(answers)).toEqual(expected)
    expect(compiled(worker.compileSchemaCheck, schema)(answers)).toEqual(expected)
    expect(compiled(worker.compileSchemaCheck, notBuilt(schema))(answers)).toEqual(expected)
  })

  it('reports an adjustment above level 5 and a short note, in that order, on both paths', () => {
    // adjustments' values are integers 1..5 (6 > 5); the note needs 10 characters ('pendek' has 6).
    const schema = schemaOf('plaju-kompetensi-360 discussion/adjust')
    const input = { adjustments: { integritas: 6 }, note: 'pendek' }
    const expected = [
      { path: '/adjustments/integritas', message: 'must be at most 5' },
      { path: '/note', message: 'must be at least 10 characters long' },
    ]
    expect(compiled(node.compileSchemaCheck, schema)(input)).toEqual(expected)
    expect(compiled(worker.compileSchemaCheck, schema)(input)).toEqual(expected)
    expect(compiled(worker.compileSchemaCheck, notBuilt(schema))(input)).toEqual(expected)
  })

  for (const { name, schema } of schemas) {
    it(`${name}: every wrong answer gets Node's errors, build-time and fallback alike`, () => {
      const base = validObject(schema)
      const checkNode = compiled(node.compileSchemaCheck, schema)
      const built = compiled(worker.compileSchemaCheck, schema)
      const fallback = compiled(worker.compileSchemaCheck, notBuilt(schema))
      expect(checkNode(base)).toEqual([])
      expect(fallback(base)).toEqual([])
      const bad = badObjects(schema)
      expect(bad.length).toBeGreaterThan(5)
      for (const [why, answers] of bad) {
        const expected = checkNode(answers)
        expect(expected.length, why).toBeGreaterThan(0)
        expect(built(answers), why).toEqual(expected)
        expect(fallback(answers), `${why} (fallback)`).toEqual(expected)
      }
    })
  }
})

/** Schemas the build never saw, with data ajv accepts (first) and data it refuses. */
const FALLBACK_CASES: [string, Json, unknown[], unknown[]][] = [
  [
    'required, unknown property, enum, format date',
    { type: 'object', required: ['q1', 'q2'], additionalProperties: false, properties: { q1: { enum: [1, 2, 3] }, q2: { type: 'string', format: 'date' } } },
    [{ q1: 1, q2: '2026-01-31' }],
    [{ q2: '31-01-2026', extra: 1 }, { q1: 4, q2: '2026-02-30' }, {}],
  ],
  [
    'numbers',
    { type: 'integer', minimum: 5, maximum: 10, exclusiveMaximum: 9, multipleOf: 2 },
    [6, 8],
    [3.5, 4, 'x', 12, 9, 7],
  ],
  [
    'strings',
    { type: 'string', minLength: 2, maxLength: 4, pattern: '^x' },
    ['xy', 'xyzw'],
    ['', 'xyzwv', 'ab', 5],
  ],
  ['type lists', { type: ['string', 'null'], minLength: 3 }, [null, 'abc'], ['ab', 2, true]],
  [
    'arrays',
    { type: 'array', items: { type: 'integer' }, maxItems: 3, uniqueItems: true },
    [[], [1, 2, 3]],
    [[1, 1], [1, 'a'], [1, 2, 3, 4], [1, 2, 1, 2], 'x'],
  ],
  ['uniqueItems of objects', { type: 'array', uniqueItems: true }, [[{ a: 1 }, { a: 2 }]], [[{ a: 1 }, { a: 1 }, 3]]],
  ['prefixItems and items: false', { type: 'array', prefixItems: [{ type: 'string' }], items: false }, [['a'], []], [['a', 1, 2], [1]]],
  ['contains', { type: 'array', contains: { type: 'boolean' } }, [[1, true]], [[], [1, 'x']]],
  ['minContains', { type: 'array', contains: { type: 'boolean' }, minContains: 2 }, [[true, false]], [[true, 1]]],
  [
    'nested objects and arrays',
    { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'array', items: { type: 'object', required: ['c'], properties: { c: { enum: ['self', 'supervisor', 'peers'] } } } } } } } },
    [{ a: { b: [{ c: 'self' }] } }],
    [{ a: { b: [{}, { c: 'peer' }, { c: 'x' }] } }],
  ],
  [
    'dependentRequired',
    { type: 'object', dependentRequired: { a: ['b', 'c'], d: ['e'] } },
    [{ a: 1, b: 1, c: 1 }, {}],
    [{ a: 1, d: 2 }, { a: 1, b: 1 }],
  ],
  [
    'propertyNames',
    { type: 'object', propertyNames: { pattern: '^[a-z]+$', maxLength: 3 } },
    [{ abc: 1 }],
    [{ ABCD: 1, ok: 2, Z: 3 }],
  ],
  ['propertyNames enum', { type: 'object', propertyNames: { enum: ['self', 'peers'] } }, [{ self: 1 }], [{ sefl: 1 }]],
  [
    'additionalProperties as a schema, patternProperties',
    { type: 'object', properties: { a: { type: 'string' } }, patternProperties: { '^b': { type: 'integer' } }, additionalProperties: { type: 'boolean' } },
    [{ a: 'x', b1: 2, c: true }],
    [{ a: 1, bb: 'x', c: 3 }],
  ],
  [
    'unevaluatedProperties',
    { type: 'object', unevaluatedProperties: false, properties: { a: { type: 'string' } }, allOf: [{ properties: { b: true } }] },
    [{ a: 'x', b: 1 }],
    [{ a: 'x', b: 1, c: 2 }],
  ],
  ['a false subschema', { type: 'object', properties: { a: false } }, [{}], [{ a: 1 }]],
  ['oneOf by type', { oneOf: [{ type: 'string' }, { type: 'integer' }] }, ['x', 1], [1.5, true]],
  ['oneOf matching twice', { oneOf: [{ type: 'number' }, { type: 'integer' }] }, [1.5], [1]],
  [
    'anyOf',
    { anyOf: [{ type: 'string', minLength: 3 }, { type: 'integer', minimum: 3 }] },
    ['abc', 3],
    ['ab', 1, true],
  ],
  [
    'discriminator',
    {
      type: 'object',
      discriminator: { propertyName: 'kind' },
      oneOf: [
        { properties: { kind: { const: 'a' }, x: { type: 'string' } }, required: ['kind', 'x'] },
        { properties: { kind: { const: 'b' }, y: { type: 'integer' } }, required: ['kind', 'y'] },
      ],
    },
    [{ kind: 'a', x: 'x' }],
    [{ kind: 'a' }, { kind: 'c' }, { kind: 1 }, {}, { kind: 'b', y: 'x' }],
  ],
  [
    'if/then/else',
    { type: 'object', if: { properties: { a: { const: 1 } }, required: ['a'] }, then: { required: ['b'] }, else: { required: ['c'] } },
    [{ a: 1, b: 1 }, { c: 1 }],
    [{ a: 1 }, { a: 2 }],
  ],
  [
    'a NIP through $ref',
    { type: 'object', $defs: { Nip: { type: 'string', pattern: '^[0-9]{18}$' } }, properties: { nip: { $ref: '#/$defs/Nip' } } },
    [{ nip: NIP }],
    [{ nip: 1990 }, { nip: '123' }],
  ],
  [
    'formats as ajv-formats checks them',
    {
      type: 'object',
      properties: {
        d: { type: 'string', format: 'date-time' },
        e: { type: 'string', format: 'email' },
        u: { type: 'string', format: 'uri' },
        t: { type: 'string', format: 'time' },
        p: { type: 'string', format: 'duration' },
      },
    },
    [{ d: '2026-01-31T09:00:00+07:00', e: 'a@b.go.id', u: 'https://x.go.id/', t: '09:00:00+07:00', p: 'P14D' }],
    [{ d: '2026-01-31T09:00:00', e: 'a@', u: 'foo', t: '09:00:00', p: 'P1' }, { d: '2026-02-30T09:00:00Z' }],
  ],
  [
    'property names that need escaping in a pointer',
    { type: 'object', properties: { 'a/b': { type: 'string' }, 'c~d': { type: 'string' }, 'e f%': { type: 'string' }, 'g#': { type: 'string' } } },
    [{ 'a/b': 'x' }],
    [{ 'a/b': 1, 'c~d': 1, 'e f%': 1, 'g#': 1 }],
  ],
  ['$id and a local $ref', { $id: 'https://example.go.id/form', type: 'object', properties: { a: { $ref: '#/$defs/X' } }, $defs: { X: { type: 'string' } } }, [{ a: 'x' }], [{ a: 1 }]],
]

describe('the fallback for schemas not compiled at build time (@cfworker/json-schema)', () => {
  for (const [name, schema, good, bad] of FALLBACK_CASES) {
    it(`${name}: accepts what ajv accepts and reports what ajv reports`, () => {
      expect(Object.hasOwn(validators, schemaKey(schema))).toBe(false)
      const n = compiled(node.compileSchemaCheck, schema)
      const w = compiled(worker.compileSchemaCheck, schema)
      for (const data of good) {
        expect(n(data)).toEqual([])
        expect(w(data), JSON.stringify(data)).toEqual([])
      }
      for (const data of bad) {
        const expected = n(data)
        expect(expected.length, JSON.stringify(data)).toBeGreaterThan(0)
        expect(w(data), JSON.stringify(data)).toEqual(expected)
      }
    })
  }

  it('reports an unknown property, a missing answer and a wrong date exactly as the Node test expects', () => {
    const check = compiled(worker.compileSchemaCheck, FALLBACK_CASES[0]![1])
    expect(check({ q2: '31-01-2026', extra: 1 })).toEqual([
      { path: '/q1', message: 'is required' },
      { path: '/extra', message: "unknown property 'extra'" },
      { path: '/q2', message: 'must be a date like 2026-01-31' },
    ])
  })

  it('refuses what ajv refuses to compile, with the same words', () => {
    for (const schema of [
      { type: 'object', properties: { a: { $ref: '#/$defs/Skala' } } },
      { $id: 'https://example.go.id/form', type: 'object', properties: { a: { $ref: '#/$defs/Y' } } },
      { type: 'object', properties: { a: { $ref: 'other.json' } } },
      { type: 'object', properties: { a: { type: 'string', pattern: '(' } } },
      [],
      { type: 'object', required: 'q1' },
    ]) {
      const expected = node.compileSchemaCheck(schema)
      expect(expected.ok).toBe(false)
      expect(worker.compileSchemaCheck(schema)).toEqual(expected)
    }
    expect(worker.compileSchemaCheck({ type: 'object', properties: { a: { $ref: '#/$defs/Skala' } } })).toEqual({
      ok: false,
      errors: [{ path: '/properties/a/$ref', message: "$ref '#/$defs/Skala' points nowhere in this schema" }],
    })
  })

  it('checks schemas against the 2020-12 meta-schema as ajv does', () => {
    expect(worker.checkJsonSchema({ type: 'object', required: 'q1', properties: { q1: { maxLength: -1 } } })).toEqual([
      { path: '/properties/q1/maxLength', message: 'must be at least 0' },
      { path: '/required', message: 'must be an array' },
    ])
    for (const schema of [
      { type: 'objekt' },
      { type: 'object', properties: { a: { type: 'strin' }, b: { enum: 'x' }, c: { minimum: 'x' }, d: { pattern: '(' }, e: { items: 3 }, f: { anyOf: [] }, g: { $ref: 1 } } },
      { $id: 'not a uri ref', $schema: 1, required: ['a', 'a'], additionalProperties: 'no' },
      { $schema: '../../../schemas/form.schema.json', type: 'object', properties: { q: { type: 'integer', 'x-competency': 'a' } } },
      { properties: { a: { properties: { b: { type: 7 } } } } },
      { definitions: { a: { type: 7 } }, dependencies: { a: 7 } },
      { type: 'object', properties: { a: { minimum: 1, maximum: 5, type: 'integer' } }, required: ['a'] },
      null,
    ]) {
      expect(worker.checkJsonSchema(schema), JSON.stringify(schema)).toEqual(node.checkJsonSchema(schema))
    }
  })

  it('differs from ajv here: formats on numbers (int32, ...) are not checked', () => {
    const schema = { type: 'object', properties: { n: { type: 'number', format: 'int32' } } }
    expect(compiled(node.compileSchemaCheck, schema)({ n: 1.5 })).toEqual([{ path: '/n', message: 'must be a valid int32' }])
    expect(compiled(worker.compileSchemaCheck, schema)({ n: 1.5 })).toEqual([])
  })

  it('refuses a property name that is not valid Unicode at its path, instead of failing', () => {
    const check = compiled(worker.compileSchemaCheck, { type: 'object', properties: { a: { type: 'object' } } })
    expect(check({ a: { '\ud800': 1 } })).toEqual([{ path: '/a/\ud800', message: 'is a property name that is not valid Unicode text' }])
  })
})

describe('no code generation on Workers', () => {
  it('the generated validators module has no eval, new Function, require or import', () => {
    expect(freshSource).not.toMatch(/\bnew\s+Function\b/)
    expect(freshSource).not.toMatch(/\beval\s*\(/)
    expect(freshSource).not.toMatch(/\bFunction\s*\(/)
    expect(freshSource).not.toMatch(/(?<![\w$.])require\s*\(/)
    expect(freshSource).not.toMatch(/^\s*import\b/m)
    expect(freshSource).toMatch(/^export \{\s*validators\s*\};?$/m)
  })

  it("wrangler's conditions (workerd, worker, browser) pick the Worker module, without ajv's compiler or eval", async () => {
    const bundle = async (conditions: string[]) => {
      const r = await build({
        entryPoints: [join(ROOT, 'src/package/load-package.ts')],
        bundle: true,
        format: 'esm',
        platform: conditions.length > 0 ? 'neutral' : 'node',
        mainFields: ['module', 'main'],
        conditions,
        write: false,
        metafile: true,
        logLevel: 'silent',
        absWorkingDir: ROOT,
      })
      return { text: r.outputFiles[0]!.text, inputs: Object.keys(r.metafile.inputs) }
    }
    const workers = await bundle(['workerd', 'worker', 'browser'])
    expect(workers.inputs).toContain('src/package/form-check-worker.ts')
    expect(workers.inputs).not.toContain('src/package/form-check.ts')
    expect(workers.inputs).not.toContain('node_modules/ajv/dist/core.js')
    expect(workers.text).not.toMatch(/\bnew\s+Function\b/)
    expect(workers.text).not.toMatch(/\beval\s*\(/)
    const nodeBundle = await bundle([])
    expect(nodeBundle.inputs).toContain('src/package/form-check.ts')
    expect(nodeBundle.inputs).not.toContain('src/package/form-check-worker.ts')
  })
})

describe('in real workerd (wrangler, code generation forbidden)', () => {
  let dir = ''
  let dev: ProbeWorker | undefined

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kinerja-form-check-'))
    // Imports load-package.ts by path, so `#form-check` resolves by kinerja's package.json, as in the real Worker.
    dev = await startProbeWorker(
      dir,
      'form-check-probe',
      `import { loadPackage } from ${JSON.stringify(join(ROOT, 'src/package/load-package.ts'))}
export default {
  async fetch(request) {
    if (new URL(request.url).pathname === '/eval') {
      try { return new Response('eval ran: ' + (0, eval)('1 + 1')) } catch (e) { return new Response(e.name) }
    }
    const { files, forms, actions } = await request.json()
    const { package: pkg, problems } = await loadPackage(files)
    if (!pkg) return Response.json({ problems })
    const run = (checks, answers) => Object.fromEntries(Object.entries(answers).map(([k, list]) => [k, list.map((a) => checks[k](a))]))
    return Response.json({ problems, forms: run(pkg.formChecks, forms), actions: run(pkg.actionChecks, actions) })
  },
}
`,
    )
  }, 120_000)

  afterAll(async () => {
    await dev?.dispose()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('is a runtime that refuses eval (so ajv could not compile there)', async () => {
    expect(await (await dev!.fetch('http://x/eval')).text()).toBe('EvalError')
  })

  /** Node's result for the same request: loadPackage (form-check.ts via `#form-check`) then the checks. */
  async function onNode(files: Record<string, string>, forms: Record<string, unknown[]>, actions: Record<string, unknown[]>) {
    const { package: pkg, problems } = await loadPackage(files)
    if (!pkg) return { problems }
    const run = (checks: Record<string, SchemaCheck>, answers: Record<string, unknown[]>) =>
      Object.fromEntries(Object.entries(answers).map(([k, list]) => [k, list.map((a) => checks[k]!(a))]))
    return JSON.parse(JSON.stringify({ problems, forms: run(pkg.formChecks, forms), actions: run(pkg.actionChecks, actions) }))
  }

  for (const uploaded of [false, true]) {
    it(`loads both packages and checks answers as Node does (${uploaded ? 'forms changed after the build: fallback' : 'build-time validators'})`, async () => {
      for (const dir of packageDirs) {
        const files = await readPackageDir(dir)
        const forms: Record<string, unknown[]> = {}
        for (const [path, text] of Object.entries(files)) {
          const id = formIdOf(path)
          if (id === undefined) continue
          const schema = JSON.parse(text) as Json
          if (uploaded) files[path] = JSON.stringify(notBuilt(schema), null, 2)
          forms[id] = [...(sample.forms[id] ?? []), ...badObjects(schema).map(([, a]) => a)]
        }
        const actions: Record<string, unknown[]> = {}
        const wf = JSON.parse(files[WORKFLOW_FILE]!) as { states: Record<string, { type: string; actions?: Record<string, { input?: Json }> }> }
        for (const [state, s] of Object.entries(wf.states)) {
          if (s.type !== 'review') continue
          for (const [action, a] of Object.entries(s.actions ?? {})) if (a.input) actions[`${state}/${action}`] = badObjects(a.input).map(([, x]) => x)
        }
        const expected = await onNode(files, forms, actions)
        expect(expected.forms, dir).toBeDefined()
        const res = await dev!.fetch('http://x/', { method: 'POST', body: JSON.stringify({ files, forms, actions }) })
        expect(res.status).toBe(200)
        expect(await res.json(), dir).toEqual(expected)
      }
    }, 60_000)
  }
})
