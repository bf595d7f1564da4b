/**
 * Kobo body -> Normalised, for both REST Service formats. The format is read from the body, not
 * from Content-Type: a REST Service's custom headers are merged after Content-Type and can
 * override it (webhooks.md section 1), so `<` first means the XML export, anything else JSON.
 */
import { AppError } from '../../src/errors.ts'
import { parseJson } from '../../src/json/parse-json.ts'
import type { Normalised } from '../plugin.ts'
import { answerFields } from './answer-fields.ts'
import { koboIdentity, koboSubmittedAt, selectSubmission } from './submission-identity.ts'
import { checkText, isRecord } from './text-check.ts'
import { xmlAssetId, xmlElementText } from './xml-peek.ts'
import { koboXmlRecord } from './xml-submission.ts'

export const isXmlBody = (text: string): boolean => /^\uFEFF?[ \t\r\n]*</.test(text)

/** The body as strict JSON, refusing what would silently change an answer. */
export function strictJsonObject(text: string, what: string): Record<string, unknown> {
  const parsed = parseJson(text)
  if (!parsed.ok) {
    throw new AppError('invalid-json', 'the body is not valid JSON', {
      errors: parsed.errors.map((e) => ({ path: e.pointer || '/', message: `${e.message} (line ${e.line}, column ${e.col})` })),
    })
  }
  if (parsed.unsafeNumbers.length) {
    throw new AppError('validation-failed', `numbers too large to be exact (${what})`, {
      errors: parsed.unsafeNumbers.map((n) => ({ path: n.pointer, message: `${n.raw} loses digits as a number; send it as the string "${n.raw}"` })),
    })
  }
  if (!isRecord(parsed.value)) throw new AppError('validation-failed', 'the body must be a JSON object', { errors: [{ path: '/', message: 'must be an object' }] })
  const errors = checkText(parsed.value)
  if (errors.length) throw new AppError('validation-failed', 'the submission holds text that cannot be stored', { errors })
  return parsed.value
}

function normaliseJson(text: string): Normalised {
  const body = strictJsonObject(text, 'a NIP must be sent as a string: Kobo sends answers as strings unless a payload template changes them')
  const { record, extra } = selectSubmission(body)
  const { externalId } = koboIdentity(record, 'json')
  const submittedAt = koboSubmittedAt(record._submission_time)
  return {
    fields: { ...extra, ...answerFields(record) },
    ...(externalId !== undefined ? { externalId } : {}),
    ...(submittedAt !== undefined ? { submittedAt } : {}),
  }
}

function normaliseXml(text: string): Normalised {
  const record = koboXmlRecord(text)
  const { externalId } = koboIdentity(record, 'xml')
  return { fields: answerFields(record), ...(externalId !== undefined ? { externalId } : {}) }
}

export function normaliseKobo(text: string): Normalised {
  return isXmlBody(text) ? normaliseXml(text) : normaliseJson(text)
}

/** The idempotency key, read leniently before strict parsing; undefined when absent. */
export function koboIdempotencyKey(text: string): string | undefined {
  try {
    if (!isXmlBody(text)) {
      const body: unknown = JSON.parse(text)
      return isRecord(body) ? koboIdentity(selectSubmission(body).record, 'json').key : undefined
    }
    const record: Record<string, unknown> = {}
    const pick = (field: string, name: string) => {
      const v = xmlElementText(text, name)
      if (v !== undefined) record[field] = v
    }
    const asset = xmlAssetId(text)
    if (asset) record._xform_id_string = asset
    pick('meta/rootUuid', 'rootUuid')
    pick('meta/instanceID', 'instanceID')
    pick('meta/deprecatedID', 'deprecatedID')
    return koboIdentity(record, 'xml').key
  } catch {
    return undefined
  }
}
