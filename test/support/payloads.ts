/**
 * A form builder's webhook delivery for any assessment, made from that builder's shared fixture
 * (test/fixtures/webhooks/): the fixture is parsed, its NIPs, role, scores, submission ids and times
 * are replaced, and the result is serialised and signed (or given its token) the way the builder
 * sends it. Signatures are computed here with node:crypto, independently of the code under test.
 * The bindings come from test/cases/webhook-fixtures.json, merged per builder.
 */
import { createHash, createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import webhookFixtures from '../cases/webhook-fixtures.json' with { type: 'json' }
import { BUILDERS, FIXTURES } from './deliveries.ts'

export type Role = 'self' | 'supervisor' | 'peer'
export const SCORED = ['integritas', 'kerjasama', 'komunikasi', 'pelayanan_publik'] as const
export type Scores = Record<(typeof SCORED)[number], number>

/** The builders that send webhooks (ODK Central is pulled, not posted). */
export const WEBHOOK_BUILDERS = ['kobo', 'google-forms', 'tally', 'typeform', 'jotform', 'formbricks', 'surveyjs'] as const
export type WebhookBuilder = (typeof WEBHOOK_BUILDERS)[number]

export interface Person {
  nip: string
  name: string
}

export interface Assessment {
  /** Unique per assessment: seeds the builder's submission ids. */
  seq: number
  subject: Person
  rater: Person
  role: Role
  scores: Scores
}

export interface BuiltDelivery {
  builder: WebhookBuilder
  body: string
  headers: Record<string, string>
  /** Appended to the hook URL (Jotform's token). */
  query: string
  /** The builder's own id of the submission. */
  externalId: string
}

/** The question titles and labels the fixtures use for the four scored behaviours. */
const BY_LABEL: Record<string, (typeof SCORED)[number]> = {
  Integritas: 'integritas',
  'Kerja Sama': 'kerjasama',
  Komunikasi: 'komunikasi',
  'Orientasi Pelayanan': 'pelayanan_publik',
}
/** The builders' own field names (Kobo, Typeform refs, Formbricks and SurveyJS ids). */
const BY_FIELD: Record<string, (typeof SCORED)[number]> = {
  integritas: 'integritas',
  kerja_sama: 'kerjasama',
  komunikasi: 'komunikasi',
  orientasi_pelayanan: 'pelayanan_publik',
}

/**
 * The role labels a real multiple-choice question sends. The fixtures show only the label their
 * rater picked; the other choices are the ones the same forms offer (typeform-2 lists all three).
 */
const ROLE_LABELS: Partial<Record<WebhookBuilder, Record<Role, string>>> = {
  'google-forms': { self: 'Diri sendiri (self)', supervisor: 'Atasan langsung (supervisor)', peer: 'Rekan kerja (peer)' },
  typeform: { self: 'Diri sendiri', supervisor: 'Atasan langsung', peer: 'Rekan kerja' },
  jotform: { self: 'Diri sendiri', supervisor: 'Atasan langsung', peer: 'Rekan kerja' },
}

export const secretEnvOf = (builder: WebhookBuilder) => `KINERJA_HOOK_${builder.toUpperCase().replace(/-/g, '_')}`
const secretOf = (builder: WebhookBuilder) => BUILDERS[builder]!.secret

/** The environment a server needs for every builder's binding: variable name -> secret. */
export function hookSecretsEnv(): Record<string, string> {
  return Object.fromEntries(WEBHOOK_BUILDERS.map((b) => [secretEnvOf(b), secretOf(b)]))
}

type FixtureRow = (typeof webhookFixtures.fixtures)[number] & { roleValues?: Record<string, string> }

/**
 * One binding per builder onto `ringkas`: the mappings of all its fixtures merged (one form can
 * send both fixtures' field names), the role value tables merged and completed with the labels of
 * ROLE_LABELS, and for Formbricks the hidden rater field its README asks every real survey to add.
 */
export function bindingInput(builder: WebhookBuilder) {
  const rows = (webhookFixtures.fixtures as FixtureRow[]).filter((f) => f.builder === builder)
  const mapping: Record<string, string> = Object.assign({}, ...rows.map((f) => f.mapping))
  const role: Record<string, string> = Object.assign({}, ...rows.map((f) => f.roleValues ?? {}))
  for (const [r, label] of Object.entries(ROLE_LABELS[builder] ?? {})) role[label] = r
  if (builder === 'formbricks') mapping.nip_penilai = 'rater'
  return { plugin: builder, form: 'ringkas', secretEnv: secretEnvOf(builder), mapping, ...(Object.keys(role).length ? { values: { role } } : {}) }
}

const fixtureText = (file: string) => readFileSync(`${FIXTURES}${file}`, 'utf8')
const fixtureJson = (file: string): any => JSON.parse(fixtureText(file))

/** Builders with two fixtures: the first is a self-assessment (Tally's and Typeform's name no rater). */
const TEMPLATES: Record<WebhookBuilder, [self: string, others: string]> = {
  kobo: ['kobo-1.json', 'kobo-2.json'],
  'google-forms': ['google-forms-1.json', 'google-forms-2.json'],
  tally: ['tally-1.json', 'tally-2.json'],
  typeform: ['typeform-1.json', 'typeform-2.json'],
  jotform: ['jotform-1.txt', 'jotform-1.txt'],
  formbricks: ['formbricks-1.json', 'formbricks-1.json'],
  surveyjs: ['surveyjs-1.json', 'surveyjs-1.json'],
}
const templateFile = (builder: WebhookBuilder, role: Role) => TEMPLATES[builder][role === 'self' ? 0 : 1]

// Deterministic ids in each builder's own shape, so a run is reproducible.
const digest = (seed: string) => createHash('sha256').update(seed).digest()
function idFrom(seed: string, alphabet: string, length: number): string {
  let out = ''
  for (let round = 0; out.length < length; round++) {
    for (const byte of digest(`${seed}#${round}`)) if (out.length < length) out += alphabet[byte % alphabet.length]
  }
  return out
}
const uuidFrom = (seed: string) => {
  const h = digest(seed).toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789'
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

const b64Hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest('base64')
const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')
const before = (d: Date, seconds: number) => new Date(d.getTime() - seconds * 1000)

/** The delivery of one assessment through `builder`, made at `now` (Formbricks signs the time). */
export function buildDelivery(builder: WebhookBuilder, a: Assessment, opts: { hookUrl: string; now: Date }): BuiltDelivery {
  switch (builder) {
    case 'kobo':
      return kobo(a, opts.now)
    case 'google-forms':
      return googleForms(a, opts.now)
    case 'tally':
      return tally(a, opts.now)
    case 'typeform':
      return typeform(a, opts.now)
    case 'jotform':
      return jotform(a, opts.hookUrl)
    case 'formbricks':
      return formbricks(a, opts.now)
    case 'surveyjs':
      return surveyjs(a, opts.now)
  }
}

function kobo(a: Assessment, now: Date): BuiltDelivery {
  const t = fixtureJson(templateFile('kobo', a.role))
  const uuid = uuidFrom(`kobo-${a.seq}`)
  t._id = 48300000 + a.seq
  t['identitas/nip_dinilai'] = a.subject.nip
  t['identitas/nama_dinilai'] = a.subject.name
  t['identitas/peran_penilai'] = a.role
  t['identitas/nip_penilai'] = a.rater.nip
  for (const [field, prop] of Object.entries(BY_FIELD)) t[`penilaian/${field}`] = String(a.scores[prop])
  t['meta/instanceID'] = `uuid:${uuid}`
  t['meta/rootUuid'] = `uuid:${uuid}`
  t._uuid = uuid
  t._submission_time = isoSeconds(now).replace(/Z$/, '')
  t._submitted_by = null
  for (const att of t._attachments) att.instance = t._id
  const body = JSON.stringify(t)
  return { builder: 'kobo', body, query: '', externalId: `uuid:${uuid}`, headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(secretOf('kobo')).toString('base64')}` } }
}

function googleForms(a: Assessment, now: Date): BuiltDelivery {
  const t = fixtureJson(templateFile('google-forms', a.role))
  t.responseId = `2_ABaOnu${idFrom(`google-${a.seq}`, ALNUM, 42)}`
  t.submittedAt = before(now, 2).toISOString()
  t.sentAt = now.toISOString()
  t.respondentEmail = null
  for (const answer of t.answers) {
    if (answer.title === 'NIP pegawai yang dinilai') answer.response = a.subject.nip
    else if (answer.title === 'Nama pegawai yang dinilai') answer.response = a.subject.name
    else if (answer.title === 'Peran Anda terhadap pegawai yang dinilai') answer.response = ROLE_LABELS['google-forms']![a.role]
    else if (answer.title === 'NIP Anda (penilai)') answer.response = a.rater.nip
    else if (answer.type === 'SCALE') answer.response = String(a.scores[BY_LABEL[answer.title]!])
    else if (answer.type === 'GRID') answer.response = answer.rows.map((row: string) => String(a.scores[BY_LABEL[row]!]))
  }
  const body = JSON.stringify(t)
  return {
    builder: 'google-forms', body, query: '', externalId: t.responseId,
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-appraisal-signature': `sha256=${b64Hmac(secretOf('google-forms'), body)}` },
  }
}

function tally(a: Assessment, now: Date): BuiltDelivery {
  const t = fixtureJson(templateFile('tally', a.role))
  const id = idFrom(`tally-${a.seq}`, ALNUM, 6)
  t.eventId = uuidFrom(`tally-event-${a.seq}`)
  t.createdAt = now.toISOString()
  Object.assign(t.data, { responseId: id, submissionId: id, respondentId: idFrom(`tally-respondent-${a.seq}`, ALNUM, 6), createdAt: isoSeconds(now).replace('Z', '.000Z') })
  for (const field of t.data.fields) {
    if (field.label === 'nip') field.value = a.subject.nip
    else if (field.label === 'peran') field.value = a.role
    else if (field.label === 'Nama lengkap Anda') field.value = a.rater.name
    else if (field.label === 'NIP Anda (penilai)') field.value = a.rater.nip
    else if (BY_LABEL[field.label]) field.value = a.scores[BY_LABEL[field.label]!]
  }
  const body = JSON.stringify(t)
  return { builder: 'tally', body, query: '', externalId: id, headers: { 'content-type': 'application/json', 'tally-signature': b64Hmac(secretOf('tally'), body) } }
}

function typeform(a: Assessment, now: Date): BuiltDelivery {
  const t = fixtureJson(templateFile('typeform', a.role))
  const r = t.form_response
  t.event_id = idFrom(`typeform-event-${a.seq}`, CROCKFORD, 26)
  r.token = idFrom(`typeform-${a.seq}`, LOWER_ALNUM, 32)
  r.landed_at = isoSeconds(before(now, 300))
  r.submitted_at = isoSeconds(now)
  r.hidden.nip = a.subject.nip
  r.hidden.nama_dinilai = a.subject.name
  if ('peran' in r.hidden) r.hidden.peran = a.role
  if ('nip_penilai' in r.hidden) r.hidden.nip_penilai = a.rater.nip
  const roleQuestion = r.definition.fields.find((f: any) => f.type === 'multiple_choice')
  for (const answer of r.answers) {
    const ref: string = answer.field.ref
    if (BY_FIELD[ref]) answer.number = a.scores[BY_FIELD[ref]!]
    else if (ref === 'nama_penilai') answer.text = a.rater.name
    else if (roleQuestion && ref === roleQuestion.ref) {
      const { id, ref: choiceRef, label } = roleQuestion.choices.find((c: any) => c.label === ROLE_LABELS.typeform![a.role])
      answer.choice = { id, ref: choiceRef, label }
    }
  }
  const body = JSON.stringify(t)
  return {
    builder: 'typeform', body, query: '', externalId: r.token,
    headers: { 'content-type': 'application/json', 'typeform-signature': `sha256=${b64Hmac(secretOf('typeform'), body)}` },
  }
}

/** The parts of a multipart body, in order; throws unless they rebuild the exact bytes. */
function multipartParts(text: string): { boundary: string; parts: [name: string, value: string][] } {
  const boundary = text.slice(2, text.indexOf('\r\n'))
  const parts: [string, string][] = []
  const part = new RegExp(`--${boundary}\\r\\nContent-Disposition: form-data; name="([^"]+)"\\r\\n\\r\\n([\\s\\S]*?)\\r\\n(?=--${boundary})`, 'g')
  for (const m of text.matchAll(part)) parts.push([m[1]!, m[2]!])
  if (multipartBody(boundary, parts) !== text) throw new Error('the Jotform fixture does not rebuild byte for byte; the multipart reader here needs fixing')
  return { boundary, parts }
}
const multipartBody = (boundary: string, parts: [string, string][]) =>
  parts.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join('') + `--${boundary}--\r\n`

/** PHP's json_encode, as Jotform writes rawRequest: slashes escaped (the values here are ASCII). */
const phpJson = (value: unknown) => JSON.stringify(value).replace(/\//g, '\\/')

function jotform(a: Assessment, hookUrl: string): BuiltDelivery {
  const { boundary, parts } = multipartParts(fixtureText(templateFile('jotform', a.role)))
  const part = (name: string) => parts.find(([n]) => n === name)!
  const rawPart = part('rawRequest')
  if (phpJson(JSON.parse(rawPart[1])) !== rawPart[1]) throw new Error('rawRequest does not re-serialise as Jotform writes it')
  const raw = JSON.parse(rawPart[1])
  const [first, ...last] = a.subject.name.split(' ')
  const label = ROLE_LABELS.jotform![a.role]
  raw.q3_namaLengkap = { first, last: last.join(' ') }
  raw.q4_nomorInduk = a.subject.nip
  raw.q5_peranAnda = label
  raw.q6_nipAnda = a.rater.nip
  raw.q7_integritas = String(a.scores.integritas)
  raw.q8_kerjaSama = String(a.scores.kerjasama)
  raw.q9_komunikasi = String(a.scores.komunikasi)
  raw.q10_orientasiPelayanan = String(a.scores.pelayanan_publik)
  raw.event_id = raw.event_id.replace(/_[A-Za-z0-9]+$/, `_${idFrom(`jotform-event-${a.seq}`, ALNUM, 7)}`)
  const submissionID = `61674017822${String(88340000 + a.seq)}`
  const token = secretOf('jotform')
  rawPart[1] = phpJson(raw)
  part('submissionID')[1] = submissionID
  part('webhookURL')[1] = `${hookUrl}?token=${token}`
  part('pretty')[1] = [
    `Nama Lengkap:${a.subject.name}`,
    `Nomor Induk Pegawai (NIP) yang dinilai:${a.subject.nip}`,
    `Peran Anda:${label}`,
    `NIP Anda:${a.rater.nip}`,
    `Integritas:${a.scores.integritas}`,
    `Kerja Sama:${a.scores.kerjasama}`,
    `Komunikasi:${a.scores.komunikasi}`,
    `Orientasi Pelayanan:${a.scores.pelayanan_publik}`,
    `Komentar dan saran:${raw.q11_komentarDan}`,
  ].join(', ')
  return {
    builder: 'jotform', body: multipartBody(boundary, parts), query: `?token=${token}`, externalId: submissionID,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  }
}

function formbricks(a: Assessment, now: Date): BuiltDelivery {
  const t = fixtureJson(templateFile('formbricks', a.role))
  const r = t.data
  r.id = idFrom(`formbricks-${a.seq}`, LOWER_ALNUM, 24)
  r.displayId = idFrom(`formbricks-display-${a.seq}`, LOWER_ALNUM, 24)
  r.createdAt = before(now, 240).toISOString()
  r.updatedAt = now.toISOString()
  const { nip: _n, peran: _p, ...answers } = r.data
  // The hidden field a real survey adds for the rater (plugins/formbricks/README.md), in link order.
  r.data = { nip: a.subject.nip, peran: a.role, nip_penilai: a.rater.nip, ...answers }
  for (const [field, prop] of Object.entries(BY_FIELD)) r.data[field] = a.scores[prop]
  r.meta.url = `https://app.formbricks.com/s/${r.surveyId}?nip=${a.subject.nip}&peran=${a.role}&nip_penilai=${a.rater.nip}`
  const body = JSON.stringify(t)
  // Standard Webhooks: a message id per event, the current time, HMAC keyed with the secret's bytes.
  const id = digest(`formbricks-message-${a.seq}`).toString('hex')
  const timestamp = String(Math.floor(now.getTime() / 1000))
  const key = Buffer.from(secretOf('formbricks').replace(/^whsec_/, ''), 'base64')
  return {
    builder: 'formbricks', body, query: '', externalId: r.id,
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${b64Hmac(key, `${id}.${timestamp}.${body}`)}` },
  }
}

function surveyjs(a: Assessment, now: Date): BuiltDelivery {
  const t = fixtureJson(templateFile('surveyjs', a.role))
  t.clientSubmissionId = uuidFrom(`surveyjs-${a.seq}`)
  t.completedAt = now.toISOString()
  t.data.nip_dinilai = a.subject.nip
  t.data.peran = a.role
  t.data.nip_penilai = a.rater.nip
  for (const [field, prop] of Object.entries(BY_FIELD)) t.data.perilaku[field] = a.scores[prop]
  const body = JSON.stringify(t)
  return { builder: 'surveyjs', body, query: '', externalId: t.clientSubmissionId, headers: { 'content-type': 'application/json', 'x-kinerja-token': secretOf('surveyjs') } }
}
