/**
 * What every signed-JSON form-builder plugin needs: base64 HMAC verification, a strict body reader
 * whose errors name the builder's question, and a field table that drops ambiguous names.
 */
import { AppError, type FieldError } from '../../src/errors.ts'
import { toPointer } from '../../src/json/json-pointer.ts'
import { FORBIDDEN_KEYS, parseJson } from '../../src/json/parse-json.ts'
import { hmacSha256, timingSafeEqual } from '../../src/util/crypto.ts'
import { badText } from './strict-json.ts'

export type JsonObject = Record<string, unknown>

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))

/**
 * True when `header` is `prefix` + base64(HMAC-SHA256(secret, body)). Constant time in the
 * signature; never throws (an empty secret or a missing header is simply not authentic).
 */
export async function verifyBase64Hmac(secret: string, body: Uint8Array, header: string | undefined, prefix = ''): Promise<boolean> {
  if (header === undefined || secret === '') return false
  const signature = header.trim()
  if (!signature.startsWith(prefix)) return false
  try {
    return timingSafeEqual(signature.slice(prefix.length), toBase64(await hmacSha256(secret, body)))
  } catch {
    return false
  }
}

/** Reads a top-level property leniently, for idempotency keys (the receipt is stored before strict parsing). */
export function peek(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return isObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

/** A string or number id as a string; anything else is no id. */
export const idOf = (v: unknown): string | undefined =>
  (typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isSafeInteger(v)) ? String(v) : undefined

/**
 * Collects the strings (values and names) that cannot be stored. `path` holds the tokens down to
 * `value`; a pointer is built only for a problem (building one per key was a measurable share of
 * reading a body).
 */
function checkText(value: unknown, path: (string | number)[], out: { pointer: string; message: string }[]): void {
  if (typeof value === 'string') {
    const problem = badText(value)
    if (problem) out.push({ pointer: toPointer(path), message: problem })
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i)
      checkText(value[i], path, out)
      path.pop()
    }
  } else if (isObject(value)) {
    for (const k of Object.keys(value)) {
      path.push(k)
      const problem = badText(k)
      if (problem) out.push({ pointer: toPointer(path), message: `the name ${problem}` })
      checkText(value[k], path, out)
      path.pop()
    }
  }
}

/** Names the builder question a pointer into the body belongs to, for error messages. */
export type QuestionNamer = (root: JsonObject, pointer: string) => string | undefined

/**
 * Parses the body strictly (duplicate keys, `__proto__`, numbers too large to be exact, NUL and
 * lone surrogates are refused) and returns the top-level object. Throws AppError 'invalid-json'
 * (400) or 'validation-failed' (422) with one field error per problem.
 */
export function readBody(text: string, nameOf: QuestionNamer): JsonObject {
  const parsed = parseJson(text)
  if (!parsed.ok) {
    throw new AppError('invalid-json', 'the body is not valid JSON (or is truncated)', {
      errors: parsed.errors.map((e) => ({ path: e.pointer || '/', message: `${e.message} (line ${e.line}, column ${e.col})` })),
    })
  }
  const root = parsed.value
  if (!isObject(root)) throw new AppError('validation-failed', 'the body must be a JSON object', { errors: [{ path: '/', message: 'must be an object' }] })
  const label = (pointer: string) => {
    const name = nameOf(root, pointer)
    return name === undefined ? '' : `${name}: `
  }
  const unsafe = (raw: string) => {
    if (/^-?[0-9]+$/.test(raw)) return `${raw} loses digits as a JSON number; send it as the string "${raw}" (a NIP is always text)`
    if (Number.isFinite(Number(raw))) return `${raw} loses digits as a JSON number; send it as text (a NIP is 18 digits in double quotes)`
    return `${raw} is out of range for a number`
  }
  const errors: FieldError[] = parsed.unsafeNumbers.map((n) => ({ path: n.pointer, message: `${label(n.pointer)}${unsafe(n.raw)}` }))
  const badText: { pointer: string; message: string }[] = []
  checkText(root, [], badText)
  for (const t of badText) errors.push({ path: t.pointer, message: `${label(t.pointer)}${t.message}` })
  if (errors.length) {
    const detail = parsed.unsafeNumbers.length
      ? 'numbers too large to be exact (a NIP must be sent as a string)'
      : 'text with characters that cannot be stored (NUL or broken Unicode)'
    throw new AppError('validation-failed', detail, { errors })
  }
  return root
}

/** Throws the collected structural errors of a body as one 'validation-failed'. */
export function failIfAny(errors: FieldError[], detail: string): void {
  if (errors.length) throw new AppError('validation-failed', detail, { errors })
}

/**
 * Collects answers under their names. Primary names (a Tally key, a Typeform ref, a Google Forms
 * title) win over aliases (a Tally label, a Typeform field id); a name two different questions
 * would share is dropped rather than guessed, because feeding one question's answer into another
 * competency is worse than a visible "missing" error. Names that poison objects are skipped.
 */
interface Named {
  name: string
  primary: boolean
  source: number
  value: unknown
}

export class FieldTable {
  private readonly entries: Named[] = []
  private sources = 0

  /** Adds one answer; returns the source number, so more names can be added for the same answer. */
  add(primary: (string | undefined)[], aliases: (string | undefined)[], value: unknown, source = this.sources++): number {
    for (const name of primary) if (name) this.entries.push({ name, primary: true, source, value })
    for (const name of aliases) if (name) this.entries.push({ name, primary: false, source, value })
    return source
  }

  /** The answers, plus the names dropped as ambiguous (for a future warnings list on Normalised). */
  resolve(): { fields: Record<string, unknown>; ambiguous: string[] } {
    const byName = new Map<string, Named[]>()
    for (const e of this.entries) {
      if (FORBIDDEN_KEYS.has(e.name)) continue
      const same = byName.get(e.name)
      if (same) same.push(e)
      else byName.set(e.name, [e])
    }
    const fields: [string, unknown][] = []
    const ambiguous: string[] = []
    for (const [name, all] of byName) {
      const primaries = all.filter((e) => e.primary)
      const tier = primaries.length ? primaries : all
      const sources = new Set(tier.map((e) => e.source))
      if (sources.size === 1) fields.push([name, tier[0]!.value])
      else ambiguous.push(name)
    }
    // fromEntries defines own properties, so even an odd question title cannot reach a prototype.
    return { fields: Object.fromEntries(fields), ambiguous }
  }
}

/** An ISO 8601 instant with an offset, as kinerja stores it; undefined when `v` is not one. */
export function isoInstant(v: unknown): string | undefined {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(v)) return undefined
  const t = Date.parse(v)
  return Number.isNaN(t) ? undefined : new Date(t).toISOString()
}
