/**
 * The Workers variant of form-check.ts, chosen by package.json "imports" (`#form-check`) under
 * the `workerd` condition: the same API, without generating code at run time (workerd refuses
 * `new Function`, which ajv's `compile` needs).
 *
 * - A schema of a bundled package was compiled by ajv at build time
 *   (scripts/gen-worker-validators.ts): it is found by its `schemaKey` and checked by that
 *   standalone ajv code, with the same translateAjvErrors, so errors are exactly Node's.
 * - Any other schema (a package version uploaded at run time) is interpreted by
 *   @cfworker/json-schema. Its errors are rebuilt into ajv's shape (keyword, instancePath,
 *   params, in ajv's order) and go through the same translateAjvErrors, so paths and messages
 *   match Node's for the keywords forms use. Known differences, where the fallback is looser or
 *   says it otherwise: `$dynamicRef` is not followed; formats on numbers (int32, float, ...)
 *   are not checked; uniqueItems is reported even where ajv skips items of the wrong type;
 *   a discriminator is honoured only when its oneOf fails; unusual keyword mixes may list the
 *   same errors in another order.
 */
import { dereference, format as cfFormats, validate, type OutputUnit, type Schema as CfSchema } from '@cfworker/json-schema'
import { fullFormats } from 'ajv-formats/dist/formats.js'
import metaApplicator from 'ajv/dist/refs/json-schema-2020-12/meta/applicator.json' with { type: 'json' }
import metaContent from 'ajv/dist/refs/json-schema-2020-12/meta/content.json' with { type: 'json' }
import metaCore from 'ajv/dist/refs/json-schema-2020-12/meta/core.json' with { type: 'json' }
import metaFormat from 'ajv/dist/refs/json-schema-2020-12/meta/format-annotation.json' with { type: 'json' }
import metaData from 'ajv/dist/refs/json-schema-2020-12/meta/meta-data.json' with { type: 'json' }
import metaUnevaluated from 'ajv/dist/refs/json-schema-2020-12/meta/unevaluated.json' with { type: 'json' }
import metaValidation from 'ajv/dist/refs/json-schema-2020-12/meta/validation.json' with { type: 'json' }
import metaSchema from 'ajv/dist/refs/json-schema-2020-12/schema.json' with { type: 'json' }
import type { FieldError } from '../errors.ts'
import { validators } from '../generated/worker/validators.js'
import { translateAjvErrors, type AjvErrorLike } from '../json/ajv-errors.ts'
import { joinPointer, toPointer } from '../json/json-pointer.ts'
import { valueAt, type Schema } from '../json/schema-at.ts'
import type { SchemaCheck } from './loaded-package.ts'
import { schemaKey } from './schema-key.ts'

export type { CompileResult } from './form-check.ts'
import type { CompileResult } from './form-check.ts'

const DIALECT = 'https://json-schema.org/draft/2020-12/schema'

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The schema as ajv sees it (form-check.ts's `forAjv`): a `$schema` naming another dialect is dropped. */
function forAjv(schema: Schema): Schema {
  if (schema.$schema === undefined || schema.$schema === DIALECT) return schema
  const { $schema: _, ...rest } = schema
  return rest
}

/** The standalone validator compiled at build time for `schema`, if there is one. */
function buildTime(schema: unknown) {
  const key = schemaKey(schema)
  return Object.hasOwn(validators, key) ? validators[key] : undefined
}

// ---------------------------------------------------------------------------------------------
// Fallback: @cfworker/json-schema, with its errors rebuilt into ajv's.

// String formats as ajv-formats (full mode) checks them, so a value passes or fails alike on
// Node and here; formats ajv does not know are ignored, as ajv with strict: false ignores them.
// (This edits the one format table @cfworker/json-schema reads, once, when this module loads.)
for (const name of Object.keys(cfFormats)) if (!Object.hasOwn(fullFormats, name)) delete cfFormats[name]
for (const [name, def] of Object.entries(fullFormats) as [string, unknown][]) {
  if (def instanceof RegExp) cfFormats[name] = (s) => def.test(s)
  else if (typeof def === 'function') cfFormats[name] = def as (s: string) => boolean
  else if (isObject(def) && def.type !== 'number') {
    const v = def.validate
    if (v instanceof RegExp) cfFormats[name] = (s) => v.test(s)
    else if (typeof v === 'function') cfFormats[name] = v as (s: string) => boolean
  } else delete cfFormats[name]
}

/** Keywords whose value is one subschema, a list of them, or a map of them (JSON Schema 2020-12). */
const ONE = new Set(['items', 'contains', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'propertyNames', 'not', 'if', 'then', 'else', 'additionalItems', 'contentSchema'])
const LIST = new Set(['prefixItems', 'items', 'allOf', 'anyOf', 'oneOf'])
const MAP = new Set(['$defs', 'definitions', 'properties', 'patternProperties', 'dependentSchemas', 'dependencies'])

/** The `{"not": {}}` objects copySchema wrote for `false`. */
const written = new WeakSet<object>()
const isFalse = (v: unknown): boolean => v === false || (isObject(v) && written.has(v))

/**
 * A deep copy of `schema` that @cfworker/json-schema may annotate, with every `false` subschema
 * written as `{"not": {}}`: the library reports a false schema without saying where in the
 * schema it is, which the error rebuilding below needs. Both reject everything.
 */
function copySchema(schema: unknown): unknown {
  if (schema === false) {
    const rejectAll = { not: {} }
    written.add(rejectAll)
    return rejectAll
  }
  if (!isObject(schema)) return copyJson(schema)
  const out: Json = {}
  for (const [key, value] of Object.entries(schema)) {
    if (ONE.has(key) && (isObject(value) || typeof value === 'boolean')) out[key] = copySchema(value)
    else if (LIST.has(key) && Array.isArray(value)) out[key] = value.map(copySchema)
    else if (MAP.has(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, Array.isArray(v) ? copyJson(v) : copySchema(v)]))
    } else out[key] = copyJson(value)
  }
  return out
}

function copyJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyJson)
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyJson(v)]))
  return value
}

/** Every `$ref` in the schema, with the pointer of the `$ref` member, in document order. */
function* refsIn(node: unknown, at = ''): Generator<{ node: Json; at: string }> {
  if (!isObject(node)) return
  if (typeof node.$ref === 'string') yield { node, at: joinPointer(at, '$ref') }
  for (const [key, value] of Object.entries(node)) {
    if (ONE.has(key)) yield* refsIn(value, joinPointer(at, key))
    else if (LIST.has(key) && Array.isArray(value)) for (const [i, v] of value.entries()) yield* refsIn(v, joinPointer(at, key, i))
    else if (MAP.has(key) && isObject(value)) for (const [k, v] of Object.entries(value)) yield* refsIn(v, joinPointer(at, key, k))
  }
}

/** Every `pattern` and `patternProperties` key. */
function* patternsIn(node: unknown): Generator<string> {
  if (!isObject(node)) return
  if (typeof node.pattern === 'string') yield node.pattern
  for (const [key, value] of Object.entries(node)) {
    if (key === 'patternProperties' && isObject(value)) yield* Object.keys(value)
    if (ONE.has(key)) yield* patternsIn(value)
    else if (LIST.has(key) && Array.isArray(value)) for (const v of value) yield* patternsIn(v)
    else if (MAP.has(key) && isObject(value)) for (const v of Object.values(value)) yield* patternsIn(v)
  }
}

type Lookup = Record<string, CfSchema | boolean>

/** A schema prepared for @cfworker/json-schema: its annotated copy and its URI lookup. */
interface Prepared {
  schema: CfSchema
  lookup: Lookup
}

/** The tokens of a @cfworker location ('#/a/b%20c' -> ['a', 'b c']): URI-encoded JSON pointer tokens. */
function tokens(location: string): string[] {
  const hash = location.indexOf('#')
  const pointer = hash < 0 ? '' : location.slice(hash + 1)
  if (pointer === '' || pointer === '/') return pointer === '/' ? [''] : []
  return pointer
    .slice(1)
    .split('/')
    .map((t) => {
      let decoded = t
      try {
        decoded = decodeURIComponent(t)
      } catch {
        // left as it is
      }
      return decoded.replace(/~1/g, '/').replace(/~0/g, '~')
    })
}

const parentOf = (location: string): string => location.slice(0, location.lastIndexOf('/'))
const lastToken = (location: string): string => tokens(location).at(-1) ?? ''

/** The schema object a keyword location passes through, following `$ref`s as the validator did. */
function schemaAt(p: Prepared, location: string): { node: Json | undefined; path: string } {
  let node: unknown = p.schema
  let path = '#'
  for (const token of tokens(location)) {
    if (!isObject(node) && !Array.isArray(node)) return { node: undefined, path }
    if (token === '$ref' && isObject(node) && typeof node.$ref === 'string') {
      const target = p.lookup[(node.__absolute_ref__ as string | undefined) ?? node.$ref]
      node = target
      const uri = isObject(target) ? (target.__absolute_uri__ as string | undefined) : undefined
      path = '#' + toPointer(uri ? tokens(uri) : [])
    } else {
      node = (node as Json)[token]
      path += '/' + token
    }
  }
  return { node: isObject(node) ? node : undefined, path }
}

/** Where ajv reports each keyword among the errors of one schema object (see `rank`). */
const ORDER: Record<string, number> = {
  $ref: 1, const: 2, enum: 3, not: 4, anyOf: 5, oneOf: 6, allOf: 7, if: 8,
  maximum: 10, minimum: 11, exclusiveMaximum: 12, exclusiveMinimum: 13, multipleOf: 14,
  maxLength: 20, minLength: 21, pattern: 22, format: 23,
  maxItems: 30, minItems: 31, prefixItems: 32, items: 33, additionalItems: 33, contains: 34, minContains: 34, maxContains: 34, uniqueItems: 35,
  maxProperties: 40, minProperties: 41, required: 42, propertyNames: 43, additionalProperties: 44, dependencies: 45, properties: 46,
  patternProperties: 47, dependentRequired: 48, dependentSchemas: 49,
  unevaluatedItems: 60, unevaluatedProperties: 61,
}
/** The keyword group ajv checks a type with, and the rank after which it reports a type error there. */
const TYPE_GROUPS: Record<string, { keywords: string[]; rank: number }> = {
  number: { keywords: ['maximum', 'minimum', 'exclusiveMaximum', 'exclusiveMinimum', 'multipleOf'], rank: 15 },
  string: { keywords: ['maxLength', 'minLength', 'pattern', 'format'], rank: 24 },
  array: { keywords: ['maxItems', 'minItems', 'uniqueItems', 'prefixItems', 'items', 'additionalItems', 'contains', 'minContains', 'maxContains'], rank: 36 },
  object: {
    keywords: ['maxProperties', 'minProperties', 'required', 'propertyNames', 'additionalProperties', 'dependencies', 'properties', 'patternProperties', 'dependentRequired', 'dependentSchemas', 'discriminator'],
    rank: 50,
  },
}

interface Node {
  unit: OutputUnit
  children: Node[]
}

/**
 * The library's flat error list as a tree: each unit is followed by the errors of the
 * subschemas it applied (their keyword locations extend its own), as ajv nests them.
 */
function tree(units: OutputUnit[]): Node[] {
  let i = 0
  const seq = (within: (location: string) => boolean): Node[] => {
    const nodes: Node[] = []
    while (i < units.length && within(units[i]!.keywordLocation)) {
      const unit = units[i++]!
      // `if` is reported at .../if, the errors it explains come from .../then or .../else.
      const base = unit.keyword === 'if' ? parentOf(unit.keywordLocation) : unit.keywordLocation
      const prefixes = unit.keyword === 'if' ? [`${base}/then/`, `${base}/else/`] : [`${base}/`]
      const node: Node = { unit, children: seq((l) => prefixes.some((p) => l.startsWith(p))) }
      // minContains/maxContains come after the errors of the items that failed `contains`.
      if (unit.keyword === 'minContains' || unit.keyword === 'maxContains') {
        const prefix = `${parentOf(unit.keywordLocation)}/contains/`
        while (nodes.length > 0 && nodes.at(-1)!.unit.keywordLocation.startsWith(prefix)) node.children.unshift(nodes.pop()!)
      }
      nodes.push(node)
    }
    return nodes
  }
  return seq(() => true)
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]))
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a)
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
  }
  return false
}

const TYPE_OF: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  integer: (v) => Number.isInteger(v),
  boolean: (v) => typeof v === 'boolean',
  null: (v) => v === null,
}

/** The pair of equal items ajv names (`i` < `j` in its message "items i and j"), or undefined. */
function duplicatePair(items: unknown[], itemsSchema: unknown): { i: number; j: number } | undefined {
  const declared = isObject(itemsSchema) ? itemsSchema.type : undefined
  const types = declared === undefined ? [] : Array.isArray(declared) ? (declared as string[]) : [String(declared)]
  if (types.length > 0 && types.every((t) => t in TYPE_OF)) {
    // ajv's scalar shortcut: items of another type are skipped, scanned from the end.
    const seen = new Map<string, number>()
    for (let i = items.length - 1; i >= 0; i--) {
      const item = items[i]
      if (!types.some((t) => TYPE_OF[t]!(item))) continue
      const key = typeof item === 'string' ? `"${item}` : String(item)
      const j = seen.get(key)
      if (j !== undefined) return { i, j }
      seen.set(key, i)
    }
    return undefined
  }
  for (let i = items.length - 1; i > 0; i--) {
    for (let j = i - 1; j >= 0; j--) if (deepEqual(items[i], items[j])) return { i, j }
  }
  return undefined
}

/** Values a discriminated oneOf branch gives its tag (const or enum of the tag's property). */
function tagValues(p: Prepared, branch: unknown, tag: string): unknown[] {
  const resolve = (s: unknown): unknown => (isObject(s) && typeof s.$ref === 'string' ? p.lookup[(s.__absolute_ref__ as string) ?? s.$ref] : s)
  const b = resolve(branch)
  const prop = isObject(b) && isObject(b.properties) ? resolve(b.properties[tag]) : undefined
  if (!isObject(prop)) return []
  if (prop.const !== undefined) return [prop.const]
  return Array.isArray(prop.enum) ? prop.enum : []
}

/** Rebuilds the library's errors as ajv's errors for the same schema and data. */
function toAjvErrors(p: Prepared, units: OutputUnit[], data: unknown): AjvErrorLike[] {
  const out: AjvErrorLike[] = []
  const seen = new Map<string, number>()
  const nth = (u: OutputUnit): number => {
    const key = `${u.keywordLocation}\u0000${u.instanceLocation}\u0000${u.keyword}`
    const n = seen.get(key) ?? 0
    seen.set(key, n + 1)
    return n
  }
  const pointer = (location: string): string => toPointer(tokens(location))

  const rank = (node: Node): number => {
    const { keyword, keywordLocation } = node.unit
    if (keyword !== 'type') return ORDER[keyword] ?? 70
    // ajv checks a type up front, unless it is one type whose keyword group the schema uses:
    // then it reports it where that group would have run.
    const s = schemaAt(p, parentOf(keywordLocation)).node
    const group = typeof s?.type === 'string' ? TYPE_GROUPS[s.type] : undefined
    return s && group && group.keywords.some((k) => s[k] !== undefined) ? group.rank : 0
  }
  // Only errors of one schema object are reordered: branches of anyOf/allOf keep their order.
  const sorted = (nodes: Node[]): Node[] => {
    const groups: string[] = []
    const ranked = nodes.map((n, i) => {
      const at = parentOf(n.unit.keywordLocation)
      if (!groups.includes(at)) groups.push(at)
      return { n, i, g: groups.indexOf(at), r: rank(n) }
    })
    return ranked.sort((a, b) => a.g - b.g || a.r - b.r || a.i - b.i).map((x) => x.n)
  }

  const emitAll = (nodes: Node[]): void => {
    for (const node of sorted(nodes)) emit(node)
  }

  const emit = (node: Node): void => {
    const { unit, children } = node
    const { keyword, keywordLocation } = unit
    const instancePath = pointer(unit.instanceLocation)
    const { node: s, path } = schemaAt(p, parentOf(keywordLocation))
    const schemaPath = `${path}/${keyword}`
    const value = valueAt(data, instancePath)
    const push = (kw: string, params: Record<string, unknown>, extra: Partial<AjvErrorLike> = {}) =>
      out.push({ instancePath, schemaPath: `${path}/${kw}`, keyword: kw, params, ...extra })

    switch (keyword) {
      case '$ref':
      case '$recursiveRef':
      case 'properties':
      case 'patternProperties':
      case 'prefixItems':
      case 'additionalItems':
      case 'allOf':
      case 'if':
      case 'dependentSchemas':
        return emitAll(children)
      case 'dependencies': {
        if (children.length > 0) return emitAll(children)
        const pairs = dependencyPairs(s?.dependencies, value)
        const pair = pairs[nth(unit)]
        return void push('dependencies', { property: pair?.[0], missingProperty: pair?.[1] })
      }
      case 'additionalProperties':
      case 'unevaluatedProperties': {
        if (!isFalse(s?.[keyword])) return emitAll(children)
        const name = lastToken(children[0]?.unit.instanceLocation ?? '')
        return void push(keyword, keyword === 'additionalProperties' ? { additionalProperty: name } : { unevaluatedProperty: name })
      }
      case 'items':
        if (!s || !isFalse(s.items)) return emitAll(children)
        return void push('items', { limit: Array.isArray(s.prefixItems) ? s.prefixItems.length : 0 })
      case 'unevaluatedItems':
        if (!s || !isFalse(s.unevaluatedItems)) return emitAll(children)
        return void push('unevaluatedItems', { limit: Array.isArray(s.prefixItems) ? s.prefixItems.length : 0 })
      case 'propertyNames': {
        const name = lastToken(children[0]?.unit.instanceLocation ?? '')
        const from = out.length
        emitAll(children)
        // ajv reports a refused name at its object, naming it in propertyName.
        for (const e of out.slice(from)) Object.assign(e, { instancePath, propertyName: name })
        return void push('propertyNames', { propertyName: name })
      }
      case 'oneOf':
      case 'anyOf': {
        const discriminator = isObject(s?.discriminator) ? s.discriminator.propertyName : undefined
        if (keyword === 'oneOf' && typeof discriminator === 'string' && isObject(value) && Array.isArray(s?.oneOf)) {
          // ajv with `discriminator` checks only the branch the tag names, or says the tag is wrong.
          const tagValue = value[discriminator]
          const params = { tag: discriminator, tagValue }
          if (typeof tagValue !== 'string') return void push('discriminator', { ...params, error: 'tag' })
          const branch = s.oneOf.findIndex((b) => tagValues(p, b, discriminator).includes(tagValue))
          if (branch < 0) return void push('discriminator', { ...params, error: 'mapping' })
          return emitAll(children.filter((c) => c.unit.keywordLocation.startsWith(`${keywordLocation}/${branch}/`)))
        }
        emitAll(children)
        const matches = Number(/\((\d+) matches\)/.exec(unit.error)?.[1] ?? 0)
        return void push(keyword, { passingSchemas: keyword === 'oneOf' && matches > 1 ? [] : null })
      }
      case 'contains':
      case 'minContains':
      case 'maxContains':
        if (keyword === 'contains' && children.length === 0 && Array.isArray(value) && s && s.contains !== undefined) {
          // The library drops why each item failed; ajv lists it, so the items are checked again.
          const again = value.flatMap(
            (item, j) => validate(item, s.contains as CfSchema, '2020-12', p.lookup, false, null, `${unit.instanceLocation}/${j}`, keywordLocation).errors,
          )
          emitAll(tree(again))
        } else emitAll(children)
        return void push('contains', { minContains: s?.minContains ?? 1, ...(s?.maxContains === undefined ? {} : { maxContains: s.maxContains }) })
      case 'not':
        // A `false` subschema, as copySchema wrote it.
        return void (s && written.has(s) ? push('false schema', {}) : push('not', {}))
      case 'false':
        return void push('false schema', {})
      case 'type':
        return void push('type', { type: s?.type })
      case 'const':
        return void push('const', { allowedValue: s?.const })
      case 'enum':
        return void push('enum', { allowedValues: s?.enum })
      case 'required': {
        const missing = Array.isArray(s?.required) && isObject(value) ? s.required.filter((k) => typeof k === 'string' && !Object.hasOwn(value, k)) : []
        const name = missing[nth(unit)] ?? /required property "(.*)"\.$/s.exec(unit.error)?.[1]
        return void push('required', { missingProperty: name })
      }
      case 'dependentRequired': {
        const pair = dependencyPairs(s?.dependentRequired, value)[nth(unit)]
        return void out.push({ instancePath, schemaPath: `${path}/dependentRequired`, keyword, params: { property: pair?.[0], missingProperty: pair?.[1] } })
      }
      case 'maximum':
      case 'minimum':
      case 'exclusiveMaximum':
      case 'exclusiveMinimum':
      case 'minLength':
      case 'maxLength':
      case 'minItems':
      case 'maxItems':
      case 'minProperties':
      case 'maxProperties':
        return void push(keyword, { limit: s?.[keyword] })
      case 'multipleOf':
        return void push(keyword, { multipleOf: s?.multipleOf })
      case 'pattern':
        return void push(keyword, { pattern: s?.pattern })
      case 'format':
        return void push(keyword, { format: s?.format })
      case 'uniqueItems': {
        const pair = Array.isArray(value) ? duplicatePair(value, s?.items) : undefined
        if (pair) push(keyword, pair)
        return
      }
      default:
        out.push({ instancePath, schemaPath, keyword, params: {}, message: unit.error })
    }
  }

  emitAll(tree(units))
  return out
}

/** [property, missing dependency] for each dependency `value` lacks, in the validator's order. */
function dependencyPairs(deps: unknown, value: unknown): [string, string][] {
  if (!isObject(deps) || !isObject(value)) return []
  const pairs: [string, string][] = []
  for (const [key, list] of Object.entries(deps)) {
    if (!Object.hasOwn(value, key) || !Array.isArray(list)) continue
    for (const dep of list) if (typeof dep === 'string' && !Object.hasOwn(value, dep)) pairs.push([key, dep])
  }
  return pairs
}

const UNNAMABLE = 'is a property name that is not valid Unicode text'
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** The pointer of the first property name with a lone surrogate (the library cannot name it), if any. */
function unnamable(value: unknown, at = ''): string | undefined {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = unnamable(v, joinPointer(at, i))
      if (found !== undefined) return found
    }
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (LONE_SURROGATE.test(k)) return joinPointer(at, k)
      const found = unnamable(v, joinPointer(at, k))
      if (found !== undefined) return found
    }
  }
  return undefined
}

/** Runs the library on `data`; errors (ajv-shaped) or a thrown message. */
function interpret(p: Prepared, data: unknown): AjvErrorLike[] | string {
  try {
    const result = validate(data, p.schema, '2020-12', p.lookup, false)
    return result.valid ? [] : toAjvErrors(p, result.errors, data)
  } catch (e) {
    // Data the library cannot walk (a property name that is not valid Unicode, for one).
    return (e as Error).message
  }
}

let meta: Prepared | undefined

/** The JSON Schema 2020-12 meta-schema for the library, `$dynamicRef: "#meta"` read as a `$ref` to it. */
function metaSchemaPrepared(): Prepared {
  if (meta) return meta
  const asRef = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(asRef)
    if (!isObject(node)) return node
    // Without extensions of the dialect, "#meta" is the 2020-12 meta-schema itself.
    if (node.$dynamicRef === '#meta') return { $ref: DIALECT }
    // ajv does not check formats ($id as uri-reference, pattern as regex) when it validates a
    // schema, so neither does this: a `format` keyword's value is a string, a property's is not.
    return Object.fromEntries(Object.entries(node).flatMap(([k, v]) => (k === 'format' && typeof v === 'string' ? [] : [[k, asRef(v)]])))
  }
  const [root, ...vocabularies] = [metaSchema, metaCore, metaApplicator, metaUnevaluated, metaValidation, metaData, metaFormat, metaContent].map(
    (s) => asRef(s) as CfSchema,
  )
  const lookup = dereference(root!)
  for (const v of vocabularies) dereference(v, lookup)
  meta = { schema: root!, lookup }
  return meta
}

/** Errors of `schema` against the JSON Schema 2020-12 meta-schema; [] when it is a valid schema. */
export function checkJsonSchema(schema: unknown): FieldError[] {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    return [{ path: '', message: 'must be a JSON Schema object' }]
  }
  // The build validated the schemas it compiled.
  if (buildTime(schema)) return []
  const bad = unnamable(schema)
  if (bad !== undefined) return [{ path: bad, message: UNNAMABLE }]
  const errors = interpret(metaSchemaPrepared(), forAjv(schema as Schema))
  if (typeof errors === 'string') return [{ path: '', message: `not a usable JSON Schema: ${errors}` }]
  return translateAjvErrors(errors, { data: schema })
}

/** Validates `schema` as JSON Schema 2020-12 and compiles it into a check of data against it. */
export function compileSchemaCheck(schema: unknown): CompileResult {
  const errors = checkJsonSchema(schema)
  if (errors.length > 0) return { ok: false, errors }
  const root = forAjv(schema as Schema)

  const standalone = buildTime(schema)
  if (standalone) {
    const check: SchemaCheck = (data) => (standalone(data) ? [] : translateAjvErrors(standalone.errors, { data, schema: root }))
    return { ok: true, check }
  }

  const copy = copySchema(root) as CfSchema
  let lookup: Lookup
  try {
    lookup = dereference(copy)
  } catch (e) {
    return { ok: false, errors: [{ path: '', message: `not a usable JSON Schema: ${(e as Error).message}` }] }
  }
  // ajv resolves $refs and compiles patterns when it compiles: say the same before any data comes.
  for (const { node, at } of refsIn(copy)) {
    const uri = (node.__absolute_ref__ as string | undefined) ?? String(node.$ref)
    if (lookup[uri] !== undefined) continue
    // As ajv names it: resolved against the schema's $id, or as written when it has none.
    const shown = typeof root.$id === 'string' ? uri : String(node.$ref)
    return { ok: false, errors: [{ path: at, message: `$ref '${shown}' points nowhere in this schema` }] }
  }
  for (const pattern of patternsIn(copy)) {
    try {
      new RegExp(pattern, 'u')
    } catch (e) {
      // Worded and placed as ajv's compile error is on Node (at the schema, not the pattern).
      return { ok: false, errors: [{ path: '', message: `not a usable JSON Schema: ${(e as Error).message}` }] }
    }
  }
  const prepared: Prepared = { schema: copy, lookup }
  const check: SchemaCheck = (data) => {
    // ajv would name such a property; the library throws on it (it URI-encodes every name).
    const bad = unnamable(data)
    if (bad !== undefined) return [{ path: bad, message: UNNAMABLE }]
    const found = interpret(prepared, data)
    if (typeof found === 'string') return [{ path: '', message: `could not be checked: ${found}` }]
    return translateAjvErrors(found, { data, schema: root })
  }
  return { ok: true, check }
}
