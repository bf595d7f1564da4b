/**
 * One ODK Central OData submission -> Normalised. OData nests groups as objects
 * (`{"penilaian": {"integritas": "4"}}`); they are flattened to the slash paths Kobo uses
 * (`penilaian/integritas`), so both builders of the XForms family name fields the same way, with the
 * same aliases and array forms (../kobo/answer-fields.ts). Values keep Central's types: an `int`
 * question is a number, a select_one a string. Repeats fetched with `$expand=*` are arrays; without
 * it Central sends only a `...@odata.navigationLink`, which is a link, not an answer, and is dropped.
 */
import { AppError } from '../../src/errors.ts'
import type { Normalised } from '../plugin.ts'
import { answerFields } from '../kobo/answer-fields.ts'
import { strictJsonObject } from '../kobo/normalise.ts'
import { isRecord } from '../kobo/text-check.ts'

/** geopoint, geotrace and geoshape come as GeoJSON: one value, not a group. */
const isGeoJson = (v: Record<string, unknown>): boolean => typeof v.type === 'string' && Array.isArray(v.coordinates)

const isRepeat = (v: unknown): v is Record<string, unknown>[] => Array.isArray(v) && v.length > 0 && v.every(isRecord)

function flatten(obj: Record<string, unknown>, prefix: string, inRepeat: boolean, out: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(obj)) {
    if (name.includes('@')) continue
    // Inside a repetition, `__id` and `__Submissions-id` are OData join keys, not answers.
    if (inRepeat && name.startsWith('__')) continue
    const key = prefix ? `${prefix}/${name}` : name
    if (isRecord(value) && !isGeoJson(value)) flatten(value, key, inRepeat, out)
    else if (isRepeat(value)) {
      out[key] = value.map((item) => {
        const answers: Record<string, unknown> = {}
        flatten(item, key, true, answers)
        return answers
      })
    } else out[key] = value
  }
}

/** The submission as a Kobo-shaped record: slash keys, repeats as arrays of full-path objects. */
export function odkRecord(submission: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  flatten(submission, '', false, out)
  return out
}

export function normaliseOdkSubmission(text: string): Normalised {
  const submission = strictJsonObject(text, 'make the NIP question a text question in the XLSForm: an integer question cannot hold 18 digits')
  const id = submission.__id
  if (typeof id !== 'string' || id === '') {
    throw new AppError('validation-failed', 'this is not an ODK Central submission', { errors: [{ path: '/__id', message: 'must be the submission id (a string)' }] })
  }
  const system = isRecord(submission.__system) ? submission.__system : {}
  const submittedAt = typeof system.submissionDate === 'string' ? system.submissionDate : undefined
  return { fields: answerFields(odkRecord(submission)), externalId: id, ...(submittedAt !== undefined ? { submittedAt } : {}) }
}

/**
 * The delivery body the poller hands to the intake for one submission: its OData JSON without
 * the `__system` members that change when nobody touched the answers (a review state set in
 * Central, the updatedAt that records it), so such a change arrives as a byte-identical duplicate
 * instead of a new answer.
 */
export function submissionBody(submission: Record<string, unknown>): string {
  if (!isRecord(submission.__system)) return JSON.stringify(submission)
  const { updatedAt: _u, reviewState: _r, ...system } = submission.__system
  return JSON.stringify({ ...submission, __system: system })
}

/** `__id`, read leniently before strict parsing. */
export function odkIdempotencyKey(text: string): string | undefined {
  try {
    const id: unknown = JSON.parse(text)?.__id
    return typeof id === 'string' && id !== '' ? id : undefined
  } catch {
    return undefined
  }
}
