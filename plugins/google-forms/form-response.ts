/**
 * The form-bound Apps Script body (`source: 'google-forms'`, see apps-script.gs): one entry per
 * answered item with its id, title, type and `getResponse()` value. Each answer is available under
 * its title and under `item:<itemId>`; grid rows under `<title> [<row>]` and `item:<itemId>:<row>`.
 */
import type { FieldError } from '../../src/errors.ts'
import type { Normalised } from '../plugin.ts'
import { FieldTable, failIfAny, idOf, isObject, isoInstant, type JsonObject } from '../shared/plugin-kit.ts'

const SCALAR = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
/** SCALE and RATING answers are whole numbers that Apps Script hands over as text ("4"). */
const WHOLE = /^-?[0-9]+$/

/** How an answer is named in errors: its title and item id, as HR sees them in the form editor. */
export function answerName(a: unknown): string | undefined {
  if (!isObject(a)) return undefined
  const title = typeof a.title === 'string' ? a.title.trim() : undefined
  const id = idOf(a.itemId)
  if (title && id) return `"${title}" (item:${id})`
  return title ? `"${title}"` : id ? `item:${id}` : undefined
}

export function normaliseFormResponse(body: JsonObject): Normalised {
  const errors: FieldError[] = []
  const table = new FieldTable()
  const answers = body.answers
  if (!Array.isArray(answers)) {
    errors.push({ path: '/answers', message: 'must be the list of answers built by plugins/google-forms/apps-script.gs' })
  } else {
    answers.forEach((a, i) => addAnswer(table, a, `/answers/${i}`, errors))
  }
  if (typeof body.respondentEmail === 'string' && body.respondentEmail !== '') table.add(['respondentEmail'], [], body.respondentEmail)

  const submittedAt = isoInstant(body.submittedAt)
  if (body.submittedAt !== undefined && body.submittedAt !== null && submittedAt === undefined) {
    errors.push({ path: '/submittedAt', message: 'must be an ISO 8601 time such as 2026-03-02T02:41:07.512Z (FormResponse.getTimestamp().toISOString())' })
  }
  failIfAny(errors, 'the Google Forms answers are not in the shape the kinerja Apps Script sends')
  const externalId = idOf(body.responseId)
  return { fields: table.resolve().fields, ...(externalId ? { externalId } : {}), ...(submittedAt ? { submittedAt } : {}) }
}

function addAnswer(table: FieldTable, a: unknown, at: string, errors: FieldError[]): void {
  if (!isObject(a)) {
    errors.push({ path: at, message: 'each answer must be an object {itemId, title, type, response}' })
    return
  }
  const title = typeof a.title === 'string' && a.title.trim() !== '' ? a.title.trim() : undefined
  const id = idOf(a.itemId)
  if (!title && !id) {
    errors.push({ path: at, message: 'the answer has neither a title nor an itemId, so it cannot be mapped' })
    return
  }
  const name = answerName(a)!
  const type = typeof a.type === 'string' ? a.type.toUpperCase() : 'TEXT'
  const response = a.response
  if (response === null || response === undefined) return
  if (type === 'GRID' || type === 'CHECKBOX_GRID') {
    addGrid(table, { title, id, name, type, rows: a.rows, response }, at, errors)
    return
  }
  if (type === 'CHECKBOX') {
    const list = typeof response === 'string' ? [response] : response
    if (!Array.isArray(list) || !list.every((v) => typeof v === 'string')) {
      errors.push({ path: `${at}/response`, message: `${name}: a CHECKBOX answer must be a list of the ticked options` })
    } else if (list.length) {
      table.add([title, id && `item:${id}`], [], list)
    }
    return
  }
  if ((type === 'SCALE' || type === 'RATING') && !(typeof response === 'number' ? Number.isInteger(response) : typeof response === 'string' && WHOLE.test(response))) {
    errors.push({ path: `${at}/response`, message: `${name}: a ${type} answer must be a whole number, got ${JSON.stringify(response)}` })
    return
  }
  if (SCALAR(response) || (Array.isArray(response) && response.every(SCALAR))) {
    table.add([title, id && `item:${id}`], [], response)
    return
  }
  errors.push({ path: `${at}/response`, message: `${name}: a ${type} answer must be text or a list of texts` })
}

interface Grid {
  title: string | undefined
  id: string | undefined
  name: string
  type: string
  rows: unknown
  response: unknown
}

/**
 * GRID: one text per row ('' for an unanswered row); CHECKBOX_GRID: one list per row. Rows are
 * named by their text; a script that did not send `rows` gets them numbered from 1.
 */
function addGrid(table: FieldTable, g: Grid, at: string, errors: FieldError[]): void {
  const multi = g.type === 'CHECKBOX_GRID'
  const response = g.response
  if (!Array.isArray(response)) {
    errors.push({ path: `${at}/response`, message: `${g.name}: a ${g.type} answer must be a list with one entry per row` })
    return
  }
  let rows: string[]
  if (Array.isArray(g.rows) && g.rows.every((r) => typeof r === 'string')) {
    rows = g.rows.map((r: string) => r.trim())
    if (rows.length !== response.length) {
      errors.push({ path: `${at}/response`, message: `${g.name}: ${response.length} answers for ${rows.length} rows` })
      return
    }
  } else if (g.rows === undefined) {
    rows = response.map((_, i) => String(i + 1))
  } else {
    errors.push({ path: `${at}/rows`, message: `${g.name}: rows must be the list of row titles` })
    return
  }
  response.forEach((v, r) => {
    const names = [g.title && `${g.title} [${rows[r]}]`, g.id && `item:${g.id}:${rows[r]}`]
    if (v === null || v === '' || (Array.isArray(v) && v.length === 0)) return // unanswered row
    const ok = multi ? Array.isArray(v) && v.every((x) => typeof x === 'string') : typeof v === 'string'
    if (!ok) errors.push({ path: `${at}/response/${r}`, message: `${g.name}, row "${rows[r]}": must be ${multi ? 'a list of the ticked columns' : 'the chosen column as text'}` })
    else table.add(names, [], v)
  })
}
