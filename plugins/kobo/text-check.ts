/**
 * Finds text no answer may hold, anywhere in a parsed payload: NUL characters (C-based tools and
 * databases cut the text there) and lone UTF-16 surrogates (half an emoji: not valid Unicode).
 * It also refuses `__proto__`, `constructor` and `prototype` as a segment of a slash key
 * (`penilaian/__proto__`): the strict JSON parser only sees whole keys, but the last segment of a
 * Kobo key becomes a field name of its own (its alias), and such a name poisons objects downstream.
 * Shared by the Kobo and ODK Central plugins, which name fields the same (XForms paths).
 */
import type { FieldError } from '../../src/errors.ts'
import { joinPointer } from '../../src/json/json-pointer.ts'
import { FORBIDDEN_KEYS } from '../../src/json/parse-json.ts'

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
/** Enough errors to fix a payload, few enough to read. */
const MAX_ERRORS = 20

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** What is wrong with a string, or undefined when it is fine. */
export function textProblem(s: string): string | undefined {
  const nul = s.indexOf('\u0000')
  if (nul >= 0) return `contains a NUL character (at character ${nul + 1}); remove it`
  const lone = LONE_SURROGATE.exec(s)
  if (lone) return `contains half of a character (a lone UTF-16 surrogate at character ${lone.index + 1}); send valid UTF-8 text`
  return undefined
}

/** The problems of every string and key under `value`, each named by its JSON pointer. */
export function checkText(value: unknown, pointer = '', errors: FieldError[] = []): FieldError[] {
  if (errors.length >= MAX_ERRORS) return errors
  if (typeof value === 'string') {
    const problem = textProblem(value)
    if (problem) errors.push({ path: pointer || '/', message: problem })
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => checkText(item, joinPointer(pointer, i), errors))
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      const at = joinPointer(pointer, key)
      const problem = textProblem(key)
      if (problem) errors.push({ path: at, message: `the name ${problem}` })
      const forbidden = key.split('/').find((segment) => FORBIDDEN_KEYS.has(segment))
      if (forbidden !== undefined) errors.push({ path: at, message: `'${forbidden}' is not allowed as a question name` })
      checkText(item, at, errors)
    }
  }
  return errors
}
