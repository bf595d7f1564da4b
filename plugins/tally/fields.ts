/**
 * Tally's `data.fields[]`: `{key, label, type, value, options?}`. Each answer is available under
 * its `key` (stable) and its label (an alias, because HR renames questions); hidden fields under
 * their parameter name. Choice values are option ids resolved to the option texts.
 */
import type { FieldError } from '../../src/errors.ts'
import { FieldTable, isObject } from '../shared/plugin-kit.ts'

/** Scores and counts: Tally sends them as JSON numbers. */
const NUMERIC = new Set(['LINEAR_SCALE', 'RATING', 'INPUT_NUMBER'])
/** One option may be chosen: a list of one id becomes that option's text. */
const SINGLE_CHOICE = new Set(['MULTIPLE_CHOICE', 'DROPDOWN'])
const FILES = new Set(['FILE_UPLOAD', 'SIGNATURE'])

const SCALAR = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'

/** How a field is named in errors: its label and key, as HR sees them. */
export function fieldName(f: unknown): string | undefined {
  if (!isObject(f)) return undefined
  const label = typeof f.label === 'string' && f.label.trim() !== '' ? f.label.trim() : undefined
  const key = typeof f.key === 'string' ? f.key : undefined
  if (label && key) return `"${label}" (${key})`
  return label ? `"${label}"` : key
}

/** Option id -> text, from the field's `options`; ids without an option are kept as sent. */
function resolver(options: unknown): (id: unknown) => unknown {
  const texts = new Map<string, string>()
  if (Array.isArray(options)) {
    for (const o of options) if (isObject(o) && typeof o.id === 'string' && typeof o.text === 'string') texts.set(o.id, o.text)
  }
  return (id) => (typeof id === 'string' ? (texts.get(id) ?? id) : id)
}

/** The value kinerja keeps for one field; undefined skips it (unanswered, or a shape that cannot be mapped). */
function valueOf(f: Record<string, unknown>, type: string, at: string, errors: FieldError[]): unknown {
  const value = f.value
  if (value === null || value === undefined) return undefined
  if (NUMERIC.has(type)) {
    if (typeof value === 'number' && Number.isFinite(value)) return value
    errors.push({ path: `${at}/value`, message: `${fieldName(f)}: a ${type} answer must be a number, got ${JSON.stringify(value)}` })
    return undefined
  }
  if (FILES.has(type) && Array.isArray(value)) {
    const urls = value.map((v) => (isObject(v) && typeof v.url === 'string' ? v.url : undefined)).filter((u) => u !== undefined)
    return urls.length ? urls : undefined
  }
  const resolve = resolver(f.options)
  if (Array.isArray(value)) {
    if (!value.every(SCALAR)) return undefined
    const texts = value.map(resolve)
    if (texts.length === 0) return undefined
    return SINGLE_CHOICE.has(type) && texts.length === 1 ? texts[0] : texts
  }
  // 2021-era choice payloads carried a bare option id instead of a list.
  if (SCALAR(value)) return resolve(value)
  return undefined // an object: a field type kinerja does not know (matrix, payment, ...)
}

/** Adds every answered field of `fields` to a table; structural problems go to `errors`. */
export function tallyFields(fields: unknown, errors: FieldError[]): FieldTable {
  const table = new FieldTable()
  if (!Array.isArray(fields)) {
    errors.push({ path: '/data/fields', message: 'must be the list of answered fields Tally sends' })
    return table
  }
  fields.forEach((f, i) => {
    const at = `/data/fields/${i}`
    if (!isObject(f) || typeof f.key !== 'string' || f.key === '') {
      errors.push({ path: at, message: 'each field must be an object with a key such as "question_Lg9wZ2"' })
      return
    }
    const type = typeof f.type === 'string' ? f.type.toUpperCase() : ''
    const value = valueOf(f, type, at, errors)
    if (value === undefined) return
    const label = typeof f.label === 'string' ? f.label.trim() : undefined
    // A hidden field's label is its URL parameter name, which HR chose and which does not change.
    if (type === 'HIDDEN_FIELDS') table.add([f.key, label], [], value)
    else table.add([f.key], [label], value)
  })
  return table
}
