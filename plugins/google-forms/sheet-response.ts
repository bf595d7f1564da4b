/**
 * The Sheets-bound variant (`source: 'google-sheets'`): a script on the response spreadsheet sends
 * `namedValues` ({"Column header": ["cell text"]}). Everything is text as the sheet shows it:
 * the timestamp in the sheet's locale (`04/03/2026 10.25.58`), ticked boxes joined with ", ",
 * grid rows as `Title [Row]` columns. There is no response id, so the row (spreadsheet, sheet and
 * A1 range) identifies the response; an edited response rewrites the same row.
 */
import type { FieldError } from '../../src/errors.ts'
import { joinPointer } from '../../src/json/json-pointer.ts'
import type { Normalised } from '../plugin.ts'
import { FieldTable, failIfAny, isObject, isoInstant, type JsonObject } from '../shared/plugin-kit.ts'

/** `<spreadsheetId>:<sheetName>!<A1 range>` (the sheet name only when sent), or undefined. */
export function sheetKey(body: JsonObject): string | undefined {
  const { spreadsheetId, sheetName, range } = body
  if (typeof spreadsheetId !== 'string' || spreadsheetId === '' || typeof range !== 'string' || range === '') return undefined
  return typeof sheetName === 'string' && sheetName !== '' ? `${spreadsheetId}:${sheetName}!${range}` : `${spreadsheetId}!${range}`
}

export function normaliseSheetResponse(body: JsonObject): Normalised {
  const errors: FieldError[] = []
  const table = new FieldTable()
  const named = body.namedValues
  if (!isObject(named)) {
    errors.push({ path: '/namedValues', message: 'must be e.namedValues of the spreadsheet onFormSubmit event ({"Column header": ["answer"]})' })
  } else {
    for (const [header, cell] of Object.entries(named)) {
      const at = joinPointer('/namedValues', header)
      const value = cellValue(cell)
      if (value === INVALID) errors.push({ path: at, message: `"${header}": must be a list of cell texts` })
      else if (value !== undefined) table.add([header.trim()], [], value)
    }
  }
  const submittedAt = isoInstant(body.submittedAt)
  if (body.submittedAt !== undefined && submittedAt === undefined) {
    errors.push({ path: '/submittedAt', message: 'must be an ISO 8601 time with its offset, e.g. 2026-03-04T03:25:58.000Z' })
  }
  failIfAny(errors, 'the Google Sheets answers are not in the shape of e.namedValues')
  const externalId = sheetKey(body)
  // The localised timestamp column ("Stempel waktu", "Timestamp") stays a field as the sheet shows
  // it: its day/month order and time zone depend on the sheet's settings, so it is never guessed.
  return { fields: table.resolve().fields, ...(externalId ? { externalId } : {}), ...(submittedAt ? { submittedAt } : {}) }
}

const INVALID = Symbol('invalid')

/** [""] and [] are unanswered; ["x"] is "x"; several cells under one header stay a list. */
function cellValue(cell: unknown): unknown {
  if (typeof cell === 'string') return cell === '' ? undefined : cell
  if (!Array.isArray(cell) || !cell.every((c) => typeof c === 'string')) return INVALID
  const cells = cell as string[]
  if (cells.length === 0 || cells.every((c) => c === '')) return undefined
  return cells.length === 1 ? cells[0] : cells
}
