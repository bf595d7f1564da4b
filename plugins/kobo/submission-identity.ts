/**
 * Which object of a Kobo body is the submission, and who it is.
 *
 * A REST Service with a `payload_template` wraps the data (`{"sumber":"kobo","submission":
 * %SUBMISSION%}`); the binding cannot name the member (plugins see only the delivery), so the one
 * object member that looks like a submission is unwrapped, and the wrapper's other plain values
 * (`sumber`) become fields too: a template can carry a constant such as the rater's role.
 *
 * Identity: Kobo keeps `_id` and `meta/rootUuid` across an edit but gives the edit a new `_uuid`
 * and `meta/instanceID` (webhooks.md section 1), so `_uuid` is never used:
 * - idempotency key: asset uid + `_id`, else asset uid + `meta/rootUuid`, else none (body hash);
 * - externalId: `meta/rootUuid` (the same in the JSON and the XML export), else `_id`, so an edit
 *   re-sent from Kobo replaces the earlier answer instead of counting twice.
 */
import { AppError } from '../../src/errors.ts'
import { joinPointer } from '../../src/json/json-pointer.ts'
import { isRecord } from './text-check.ts'

const MARKERS = ['_id', '_uuid', '_xform_id_string', '_submission_time', 'meta/instanceID', 'meta/rootUuid', 'formhub/uuid', '__version__']

/** Kobo metadata, or a group path: what a Kobo submission has and a wrapper does not. */
export const looksLikeSubmission = (o: Record<string, unknown>): boolean =>
  MARKERS.some((k) => Object.hasOwn(o, k)) || Object.keys(o).some((k) => k.includes('/'))

export interface SelectedSubmission {
  record: Record<string, unknown>
  /** JSON pointer of the record in the body ('' when not wrapped). */
  pointer: string
  /** The wrapper's other plain members (strings, numbers, booleans, null). */
  extra: Record<string, unknown>
}

/** Throws AppError('validation-failed') when several members could be the submission. */
export function selectSubmission(body: Record<string, unknown>): SelectedSubmission {
  if (looksLikeSubmission(body)) return { record: body, pointer: '', extra: {} }
  const members = Object.entries(body).filter(([, v]) => isRecord(v) && looksLikeSubmission(v))
  if (members.length > 1) {
    throw new AppError('validation-failed', 'the payload template holds several objects that look like a submission', {
      errors: members.map(([k]) => ({ path: joinPointer('', k), message: 'keep %SUBMISSION% in one member only and make the others plain values' })),
    })
  }
  const [member] = members
  // No member looks like one: a "subset of fields" without metadata or groups is the body itself.
  if (member === undefined) return { record: body, pointer: '', extra: {} }
  const extra: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(body)) {
    if (k !== member[0] && (v === null || ['string', 'number', 'boolean'].includes(typeof v))) extra[k] = v
  }
  return { record: member[1] as Record<string, unknown>, pointer: joinPointer('', member[0]), extra }
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined)

export interface KoboIdentity {
  key?: string
  externalId?: string
}

/**
 * `xml`: the XML export always carries the whole instance, so a submission without
 * `meta/deprecatedID` is an original and its `meta/instanceID` is its root uuid. A JSON subset
 * may simply not list `meta/deprecatedID`, so that inference is not made for JSON.
 */
export function koboIdentity(record: Record<string, unknown>, format: 'json' | 'xml'): KoboIdentity {
  const asset = text(record._xform_id_string)
  const rawId = record._id
  const id = typeof rawId === 'number' && Number.isSafeInteger(rawId) ? String(rawId) : typeof rawId === 'string' && /^[0-9]+$/.test(rawId) ? rawId : undefined
  let root = text(record['meta/rootUuid'])
  if (root === undefined && format === 'xml' && record['meta/deprecatedID'] === undefined) root = text(record['meta/instanceID'])
  const scoped = (v: string) => (asset ? `${asset}:${v}` : v)
  const out: KoboIdentity = {}
  const key = id !== undefined ? scoped(id) : root !== undefined ? scoped(root) : undefined
  if (key !== undefined) out.key = key
  const externalId = root ?? id
  if (externalId !== undefined) out.externalId = externalId
  return out
}

const NAIVE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/
const ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

/** `_submission_time` is UTC written without a zone (`2026-03-02T02:11:58`): add the Z. */
export function koboSubmittedAt(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const iso = NAIVE.test(value) ? `${value}Z` : value
  return ZONED.test(iso) && !Number.isNaN(Date.parse(iso)) ? iso : undefined
}
