/**
 * Turns ajv's errors into sentences an HR officer can act on: the pointer of the offending value
 * and "must be one of: self, supervisor, peers" rather than "must be equal to one of the allowed
 * values". oneOf noise is reduced to the branch the data meant (by its `type` tag, else by its
 * JSON type), and known patterns (NIP, ids, durations, versions) are explained in words.
 */
import type { FieldError } from '../errors.ts'
import { joinPointer } from './json-pointer.ts'
import { discriminatorValues, schemaAt, valueAt, type Schema } from './schema-at.ts'
import { closest, didYouMean } from './suggest.ts'

/** The part of ajv's ErrorObject this module reads (standalone and runtime validators both fit). */
export interface AjvErrorLike {
  instancePath: string
  schemaPath: string
  keyword: string
  params: Record<string, unknown>
  message?: string
  propertyName?: string
}

export interface TranslateOptions {
  /** The validated data: enables "did you mean" on enums and type-aware oneOf reduction. */
  data?: unknown
  /** The root schema validated against: enables hints for unknown properties and `type` tags. */
  schema?: Schema
}

export const NIP_PATTERN = '^[0-9]{18}$'
export const NIP_MESSAGE = 'must be a string of 18 digits'

const PATTERNS: Record<string, string> = {
  [NIP_PATTERN]: NIP_MESSAGE,
  '^[a-z0-9][a-z0-9_.-]*$': "must use only lower-case letters, digits, '_', '.' and '-', starting with a letter or digit",
  '^[A-Za-z][A-Za-z0-9_-]*$': "must start with a letter and use only letters, digits, '_' and '-'",
  '^[a-z][a-z0-9-]*$': "must start with a lower-case letter and use only lower-case letters, digits and '-'",
  '^[A-Za-z_][A-Za-z0-9_]*$': "must be a variable name: letters, digits and '_', not starting with a digit",
  '^[A-Za-z0-9_.-]+\\.jsonata$': 'must name a .jsonata file in the package folder, e.g. score.jsonata',
  '^[0-9]+\\.[0-9]+\\.[0-9]+([-+][0-9A-Za-z.-]+)?$': 'must be a version like 1.0.0',
  '^P(?!$)([0-9]+Y)?([0-9]+M)?([0-9]+W)?([0-9]+D)?(T(?=[0-9])([0-9]+H)?([0-9]+M)?([0-9]+S)?)?$':
    'must be an ISO 8601 duration such as P14D (14 days), PT12H (12 hours) or P1W (1 week)',
}

const FORMATS: Record<string, string> = {
  date: 'must be a date like 2026-01-31',
  'date-time': 'must be a date and time like 2026-01-31T09:00:00+07:00',
  time: 'must be a time like 09:00:00+07:00',
  email: 'must be an e-mail address',
  uri: 'must be an absolute URI such as https://example.go.id/',
  duration: 'must be an ISO 8601 duration such as P14D',
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
}

const list = (items: readonly unknown[]): string => items.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')
const plural = (n: unknown, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`
const orList = (words: string[]): string => (words.length < 2 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`)

function typeMessage(types: string[]): string {
  return `must be ${orList([...new Set(types)].map((t) => TYPE_NAMES[t] ?? t))}`
}

const isNipSchema = (s: Schema | undefined): boolean => s?.pattern === NIP_PATTERN || s?.title === 'Nip'

/** One ajv error -> one field error (or none, for errors that only repeat their children). */
function translate(e: AjvErrorLike, opts: TranslateOptions): FieldError | undefined {
  const p = e.params
  const at = e.instancePath
  const here = () => (opts.schema ? schemaAt(opts.schema, opts.data, at) : undefined)
  switch (e.keyword) {
    case 'required':
      return { path: joinPointer(at, String(p.missingProperty)), message: 'is required' }
    case 'dependentRequired':
    case 'dependencies':
      return { path: joinPointer(at, String(p.missingProperty)), message: `is required when '${String(p.property)}' is present` }
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const name = String(p.additionalProperty ?? p.unevaluatedProperty)
      const props = here()?.properties
      const hint = props && typeof props === 'object' ? didYouMean(name, Object.keys(props)) : ''
      return { path: joinPointer(at, name), message: `unknown property '${name}'${hint}` }
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]) ?? []
      const value = valueAt(opts.data, at)
      const near = typeof value === 'string' ? closest(value, allowed.filter((v): v is string => typeof v === 'string')) : undefined
      return { path: at, message: `must be one of: ${list(allowed)}${near === undefined ? '' : `; did you mean '${near}'?`}` }
    }
    case 'const':
      return { path: at, message: `must be ${JSON.stringify(p.allowedValue)}` }
    case 'type': {
      // A NIP sent as a number: the schema path names the Nip definition, or the schema says so.
      if (p.type === 'string' && (e.schemaPath.includes('/$defs/Nip/') || isNipSchema(here()))) return { path: at, message: NIP_MESSAGE }
      return { path: at, message: typeMessage(String(p.type).split(',')) }
    }
    case 'pattern': {
      const pattern = String(p.pattern)
      return { path: at, message: PATTERNS[pattern] ?? `must match the pattern ${pattern}` }
    }
    case 'format':
      return { path: at, message: FORMATS[String(p.format)] ?? `must be a valid ${String(p.format)}` }
    case 'minimum':
      return { path: at, message: `must be at least ${String(p.limit)}` }
    case 'maximum':
      return { path: at, message: `must be at most ${String(p.limit)}` }
    case 'exclusiveMinimum':
      return { path: at, message: `must be greater than ${String(p.limit)}` }
    case 'exclusiveMaximum':
      return { path: at, message: `must be less than ${String(p.limit)}` }
    case 'multipleOf':
      return { path: at, message: `must be a multiple of ${String(p.multipleOf)}` }
    case 'minLength':
      return { path: at, message: p.limit === 1 ? 'must not be empty' : `must be at least ${plural(p.limit, 'character')} long` }
    case 'maxLength':
      return { path: at, message: `must be at most ${plural(p.limit, 'character')} long` }
    case 'minItems':
      return { path: at, message: `must have at least ${plural(p.limit, 'item')}` }
    case 'maxItems':
    case 'items':
    case 'unevaluatedItems':
      return { path: at, message: `must have at most ${plural(p.limit, 'item')}` }
    case 'minProperties':
      return { path: at, message: p.limit === 1 ? 'must not be empty' : `must have at least ${plural(p.limit, 'entry')}` }
    case 'maxProperties':
      return { path: at, message: `must have at most ${String(p.limit)} entries` }
    case 'uniqueItems':
      return { path: at, message: `must not contain duplicates (items ${String(p.j)} and ${String(p.i)} are the same)` }
    case 'contains':
      return { path: at, message: `must contain at least ${plural(p.minContains ?? 1, 'matching item')}` }
    case 'false schema':
    case 'not':
      return { path: at, message: 'is not allowed here' }
    case 'discriminator': {
      const schema = opts.schema ? schemaAt(opts.schema, opts.data, at) : undefined
      const values = opts.schema && schema ? discriminatorValues(opts.schema, schema) : []
      const tag = String(p.tag)
      const choices = values.length > 0 ? `one of: ${values.join(', ')}` : 'a known type'
      if (p.error === 'mapping') {
        const near = typeof p.tagValue === 'string' ? closest(p.tagValue, values) : undefined
        return { path: joinPointer(at, tag), message: `must be ${choices}${near === undefined ? '' : `; did you mean '${near}'?`}` }
      }
      const present = valueAt(opts.data, joinPointer(at, tag)) !== undefined
      return { path: joinPointer(at, tag), message: present ? `must be ${choices}` : `is required (${choices})` }
    }
    case 'if':
    case 'propertyNames':
      return undefined
    default:
      return { path: at, message: e.message ?? `is invalid (${e.keyword})` }
  }
}

/** A name that a `propertyNames` rule refused: the inner error says why. */
function propertyNameError(e: AjvErrorLike, opts: TranslateOptions): FieldError {
  const inner = translate({ ...e, propertyName: undefined }, opts)
  const name = e.propertyName ?? ''
  return { path: joinPointer(e.instancePath, name), message: `'${name}' is not a valid name: ${inner?.message ?? 'not allowed'}` }
}

/** "must be a string or an object", explained by the schema's description when it has one. */
function oneOfTypeMessage(wrongType: Pending[], at: string, opts: TranslateOptions): string {
  const message = typeMessage(wrongType.flatMap((x) => String(x.error.params.type).split(',')))
  const about = opts.schema ? schemaAt(opts.schema, opts.data, at)?.description : undefined
  if (typeof about !== 'string') return message
  return `${message}: ${about.charAt(0).toLowerCase()}${about.slice(1).replace(/\.$/, '')}`
}

interface Pending {
  error: AjvErrorLike
  out: FieldError[]
}

const under = (path: string, base: string): boolean => path === base || path.startsWith(base + '/')

/** Translates ajv errors into field errors, without duplicates, in ajv's order. */
export function translateAjvErrors(errors: readonly AjvErrorLike[] | null | undefined, opts: TranslateOptions = {}): FieldError[] {
  let pending: Pending[] = []
  for (const e of errors ?? []) {
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf') {
      const at = e.instancePath
      const mine = pending.filter((x) => under(x.error.instancePath, at))
      pending = pending.filter((x) => !under(x.error.instancePath, at))
      let out: FieldError[]
      if (Array.isArray(e.params.passingSchemas)) {
        out = [{ path: at, message: 'matches more than one of the allowed forms; make it match exactly one' }]
      } else {
        // Branches whose type does not fit the value say only "must be X": drop them when another
        // branch fits the type and has something specific to say.
        const wrongType = mine.filter((x) => x.error.keyword === 'type' && x.error.instancePath === at)
        const specific = mine.filter((x) => !wrongType.includes(x))
        out = specific.length > 0 ? specific.flatMap((x) => x.out) : [{ path: at, message: oneOfTypeMessage(wrongType, at, opts) }]
        if (out.length === 0) out = [{ path: at, message: 'does not match any of the allowed forms' }]
      }
      pending.push({ error: { ...e, keyword: 'resolved' }, out })
      continue
    }
    const one = e.propertyName !== undefined ? propertyNameError(e, opts) : translate(e, opts)
    pending.push({ error: e, out: one ? [one] : [] })
  }
  const seen = new Set<string>()
  const result: FieldError[] = []
  for (const f of pending.flatMap((x) => x.out)) {
    const key = `${f.path}\u0000${f.message}`
    if (!seen.has(key)) {
      seen.add(key)
      result.push(f)
    }
  }
  return result
}
