/**
 * Strict JSON for webhook bodies: parseJson's refusals (duplicate keys, `__proto__`, numbers that
 * lose digits) and the text rules of every plugin (no NUL, no lone surrogates) become AppErrors
 * that name the field, so a bad value is refused with its path instead of reaching the store.
 */
import { AppError, type FieldError } from '../../src/errors.ts'
import { joinPointer } from '../../src/json/json-pointer.ts'
import { parseJson } from '../../src/json/parse-json.ts'

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Why a text cannot be stored, or undefined when it can. Emoji, RTL marks and formulas are fine. */
export function badText(s: string): string | undefined {
  if (s.includes('\u0000')) return 'contains a NUL character (\\u0000), which text may not hold'
  if (LONE_SURROGATE.test(s)) return 'contains a lone surrogate (half of an emoji or a broken \\u escape)'
  return undefined
}

/** Every key and string under `value` that `badText` refuses, with its pointer below `base`. */
export function badStrings(value: unknown, base: string): FieldError[] {
  const out: FieldError[] = []
  const walk = (v: unknown, at: string) => {
    if (typeof v === 'string') {
      const why = badText(v)
      if (why) out.push({ path: at || '/', message: why })
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, joinPointer(at, i)))
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, item] of Object.entries(v)) {
        const why = badText(k)
        if (why) out.push({ path: joinPointer(at, k), message: `the name ${why}` })
        walk(item, joinPointer(at, k))
      }
    }
  }
  walk(value, base)
  return out
}

/** Parses `text` strictly; pointers in errors are prefixed with `base` (e.g. '/rawRequest'). */
export function parseStrictJson(text: string, base = '', what = 'the body'): unknown {
  const parsed = parseJson(text)
  if (!parsed.ok) {
    throw new AppError('invalid-json', `${what} is not valid JSON`, {
      errors: parsed.errors.map((e) => ({ path: base + e.pointer || '/', message: `${e.message} (line ${e.line}, column ${e.col})` })),
    })
  }
  if (parsed.unsafeNumbers.length) {
    throw new AppError('validation-failed', 'numbers too large to be exact (a NIP must be sent as a string)', {
      errors: parsed.unsafeNumbers.map((n) => ({
        path: base + n.pointer || '/',
        message: Number.isFinite(Number(n.raw))
          ? `${n.raw} loses digits as a number; send it as the string "${n.raw}"`
          : `${n.raw} is out of range for a number`,
      })),
    })
  }
  const bad = badStrings(parsed.value, base)
  if (bad.length) throw new AppError('validation-failed', 'some text cannot be stored', { errors: bad })
  return parsed.value
}
