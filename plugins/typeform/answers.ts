/**
 * Typeform's `form_response.answers[]`: `{type, <value named by type>, field: {id, type, ref}}`.
 * Each answer is available under its `field.ref` (stable, set by the form author) and its
 * `field.id` (an alias); hidden fields under their own names. Values keep Typeform's types.
 */
import type { FieldError } from '../../src/errors.ts'
import { FieldTable, isObject } from '../shared/plugin-kit.ts'

/** Answer types whose value is one string. */
const TEXT = new Set(['text', 'email', 'url', 'file_url', 'phone_number', 'date'])

/** How an answer is named in errors: its ref, which HR sees in the form's question settings. */
export function answerName(a: unknown): string | undefined {
  if (!isObject(a) || !isObject(a.field)) return undefined
  const { ref, id } = a.field
  return typeof ref === 'string' ? `"${ref}"` : typeof id === 'string' ? `field ${id}` : undefined
}

const bad = (errors: FieldError[], path: string, a: unknown, what: string, got: unknown) => {
  errors.push({ path, message: `${answerName(a) ?? 'this answer'}: ${what}, got ${JSON.stringify(got) ?? 'nothing'}` })
  return undefined
}

/** The value kinerja keeps for one answer; undefined skips it. */
function valueOf(a: Record<string, unknown>, type: string, at: string, errors: FieldError[]): unknown {
  const v = a[type]
  const path = `${at}/${type}`
  if (type === 'number') return typeof v === 'number' && Number.isFinite(v) ? v : bad(errors, path, a, 'a number answer must be a JSON number', v)
  if (type === 'boolean') return typeof v === 'boolean' ? v : bad(errors, path, a, 'a boolean answer must be true or false', v)
  if (TEXT.has(type)) return typeof v === 'string' ? v : bad(errors, path, a, `a ${type} answer must be text`, v)
  if (type === 'choice') {
    // A respondent who picked "Other" typed their own text, which Typeform sends as `other`.
    if (isObject(v) && typeof v.label === 'string') return v.label
    if (isObject(v) && typeof v.other === 'string') return v.other
    return bad(errors, path, a, 'a choice answer must have a label', v)
  }
  if (type === 'choices') {
    const labels = isObject(v) ? v.labels ?? [] : undefined
    if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) return bad(errors, path, a, 'a choices answer must have a list of labels', v)
    const all = isObject(v) && typeof v.other === 'string' ? [...labels, v.other] : labels
    return all.length ? all : undefined
  }
  // Types kinerja has no use for (payment, multi_format, ...) are skipped unless they are one plain value.
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined
}

/** Adds every answer and hidden field of a form_response to a table; problems go to `errors`. */
export function typeformFields(response: Record<string, unknown>, errors: FieldError[]): FieldTable {
  const table = new FieldTable()
  const answers = response.answers ?? []
  if (!Array.isArray(answers)) errors.push({ path: '/form_response/answers', message: 'must be the list of answers Typeform sends' })
  else {
    answers.forEach((a, i) => {
      const at = `/form_response/answers/${i}`
      const field = isObject(a) ? a.field : undefined
      const ref = isObject(field) && typeof field.ref === 'string' && field.ref !== '' ? field.ref : undefined
      const id = isObject(field) && typeof field.id === 'string' && field.id !== '' ? field.id : undefined
      if (!isObject(a) || typeof a.type !== 'string' || (!ref && !id)) {
        errors.push({ path: at, message: 'each answer must be an object {type, <value>, field: {id, ref}}' })
        return
      }
      const value = valueOf(a, a.type, at, errors)
      if (value !== undefined) table.add([ref], [id], value)
    })
  }
  const hidden = response.hidden ?? {}
  if (!isObject(hidden)) errors.push({ path: '/form_response/hidden', message: 'must be an object of hidden field values' })
  else {
    for (const [name, v] of Object.entries(hidden)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') table.add([name], [], v)
    }
  }
  return table
}
