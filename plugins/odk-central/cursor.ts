/**
 * The poll cursor: where the last successful poll stopped, as one string the caller stores.
 *
 * `2026-03-02T04:05:51.238Z` alone, or followed by `;<__id>;<__id>...`: the latest change time
 * seen (updatedAt, else submissionDate) and the submissions changed at exactly that millisecond.
 * The ids are needed because Central stores microseconds (clock_timestamp()) but shows
 * milliseconds: `updatedAt gt 04:05:51.238Z` also matches the row stored as 04:05:51.238456, which
 * was already delivered. The next poll asks for changes after that millisecond's start and skips
 * the ids listed, so it neither repeats them nor misses a submission stored in the same millisecond.
 */
import { AppError } from '../../src/errors.ts'

export interface Cursor {
  /** ISO timestamp of the latest change seen. */
  at: string
  /** `__id`s changed at exactly `at`, already delivered. */
  ids: string[]
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/

export const isTimestamp = (s: string): boolean => ISO.test(s) && !Number.isNaN(Date.parse(s))

const escapeId = (id: string): string => id.replace(/%/g, '%25').replace(/;/g, '%3B')
const unescapeId = (id: string): string => id.replace(/%(25|3B)/gi, (_, hex: string) => (hex === '25' ? '%' : ';'))

/** undefined for '' or undefined (poll from the beginning); throws for anything else malformed. */
export function parseCursor(cursor: string | undefined): Cursor | undefined {
  if (cursor === undefined || cursor.trim() === '') return undefined
  const [at = '', ...ids] = cursor.trim().split(';')
  if (!isTimestamp(at)) {
    throw new AppError('validation-failed', 'the stored ODK Central cursor is not valid', {
      errors: [{ path: '/cursor', message: `'${cursor.slice(0, 60)}' must start with an ISO timestamp such as 2026-03-02T04:05:51.238Z` }],
    })
  }
  return { at, ids: ids.filter((id) => id !== '').map(unescapeId) }
}

export function formatCursor(c: Cursor | undefined): string {
  if (c === undefined) return ''
  return [c.at, ...[...new Set(c.ids)].map(escapeId)].join(';')
}

/** The later of two cursors; at the same instant, the ids of both. */
export function mergeCursors(a: Cursor | undefined, b: Cursor | undefined): Cursor | undefined {
  if (a === undefined || b === undefined) return a ?? b
  const diff = Date.parse(a.at) - Date.parse(b.at)
  if (diff > 0) return a
  if (diff < 0) return b
  return { at: a.at, ids: [...new Set([...a.ids, ...b.ids])] }
}

/** True when the submission `id` changed at `changedAt` was delivered before this cursor. */
export function alreadyDelivered(c: Cursor | undefined, id: string, changedAt: string): boolean {
  return c !== undefined && Date.parse(changedAt) === Date.parse(c.at) && c.ids.includes(id)
}
