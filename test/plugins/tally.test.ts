import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { isAppError, type AppError } from '../../src/errors.ts'
import { tallyPlugin as plugin } from '../../plugins/tally/index.ts'
import type { Delivery } from '../../plugins/plugin.ts'
import { failure } from '../support/failure.ts'

const SECRET = 'tally_test_secret_7Qm2'
const fixture = (name: string) => readFileSync(new URL(`../fixtures/webhooks/${name}`, import.meta.url), 'utf8')
const T1 = fixture('tally-1.json')
const T2 = fixture('tally-2.json')
const LEGACY = fixture('hostile/tally-legacy-2021.json')

const sign = (text: string, secret = SECRET) => createHmac('sha256', secret).update(text, 'utf8').digest('base64')

const delivery = (text: string, headers: Record<string, string> = { 'tally-signature': sign(text) }): Delivery => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: new TextEncoder().encode(text),
  text,
  url: 'https://penilaian.plaju.example.go.id/hooks/bnd_tally1',
  receivedAt: new Date('2026-03-02T03:15:43Z'),
})
const normalise = (text: string) => plugin.normalise(delivery(text))


/** tally-1 with one piece of its JSON text replaced. */
const edit1 = (from: string, to: string) => {
  expect(T1).toContain(from)
  return T1.replace(from, () => to)
}

describe('tally plugin: signature', () => {
  it('authenticates both shared fixtures with the signatures of webhooks.md section 10', async () => {
    expect(await plugin.authenticate(delivery(T1, { 'tally-signature': 'CM3P+Hm0G2vTf9RXJIsQv/xVVNA+ndMZIER3FnLuRJk=' }), SECRET)).toBe(true)
    expect(await plugin.authenticate(delivery(T2, { 'tally-signature': 'RwUsRk4CsMDbJBfpMt7DsYLgTz/RpAQUNtKM9IUR9yg=' }), SECRET)).toBe(true)
    expect(plugin.secretHeaders).toEqual(['tally-signature'])
  })

  it('refuses a wrong secret, a missing header, an empty secret and a prefixed or hex signature', async () => {
    expect(await plugin.authenticate(delivery(T1), 'tally_test_secret_7Qm3')).toBe(false)
    expect(await plugin.authenticate(delivery(T1, {}), SECRET)).toBe(false)
    expect(await plugin.authenticate(delivery(T1, { 'tally-signature': sign(T1, '') }), '')).toBe(false)
    expect(await plugin.authenticate(delivery(T1, { 'tally-signature': `sha256=${sign(T1)}` }), SECRET)).toBe(false)
    expect(await plugin.authenticate(delivery(T1, { 'tally-signature': createHmac('sha256', SECRET).update(T1).digest('hex') }), SECRET)).toBe(false)
  })

  it('refuses a body changed by one byte, or re-serialised, after signing', async () => {
    const forged = T1.replace('"value":3}', '"value":5}')
    expect(await plugin.authenticate(delivery(forged, { 'tally-signature': sign(T1) }), SECRET)).toBe(false)
    const pretty = JSON.stringify(JSON.parse(T1), null, 2)
    expect(await plugin.authenticate(delivery(pretty, { 'tally-signature': sign(T1) }), SECRET)).toBe(false)
  })
})

describe('tally plugin: idempotency key', () => {
  it('is data.submissionId, the same for a byte-identical retry and for a re-delivery with a new eventId', () => {
    expect(plugin.idempotencyKey(delivery(T1))).toBe('8Xq2Ab')
    expect(plugin.idempotencyKey(delivery(T1))).toBe('8Xq2Ab')
    expect(plugin.idempotencyKey(delivery(T1.replace('6b2f9e41-7c3a-4d85-a0e6-1f9b3c8d2e57', '11111111-2222-4333-8444-555555555555')))).toBe('8Xq2Ab')
    expect(plugin.idempotencyKey(delivery(T2))).toBe('m4RtYe')
  })

  it('falls back to data.responseId in 2021-era payloads without submissionId', () => {
    expect(plugin.idempotencyKey(delivery(LEGACY))).toBe('wLx3Pq')
  })

  it('is absent when the body is not JSON or names no submission', () => {
    expect(plugin.idempotencyKey(delivery(T1.slice(0, 80)))).toBeUndefined()
    expect(plugin.idempotencyKey(delivery('{"eventId":"x","data":{}}'))).toBeUndefined()
  })
})

describe('tally plugin: normalising', () => {
  it('names fields by key and by label, hidden fields by parameter name, and resolves choices to their text', () => {
    const n = normalise(T1)
    expect(n.fields).toEqual({
      'question_Vz8KbP_7a1e4c92-3d5b-4f60-8e27-b9c4d1a6f305': '198503122010011001',
      nip: '198503122010011001',
      'question_Vz8KbP_c5d83e10-94af-4b27-a6e1-2f7b0c9d4e88': 'self',
      peran: 'self',
      question_Ep4RjN: 'Rahmat Hidayat',
      'Nama lengkap Anda': 'Rahmat Hidayat',
      question_rQ6yXa: 'Seksi Pelayanan Umum',
      'Unit kerja': 'Seksi Pelayanan Umum',
      question_Lg9wZ2: 4,
      Integritas: 4,
      question_Mn3sTd: 4,
      'Kerja Sama': 4,
      question_Pk7uHv: 3,
      Komunikasi: 3,
      question_Qb2cJf: 5,
      'Orientasi Pelayanan': 5,
      question_Xd5eNk: 'Pelayanan surat-menyurat di loket sudah saya usahakan selesai di hari yang sama. Saya ingin ikut pelatihan penulisan laporan.',
      Komentar: 'Pelayanan surat-menyurat di loket sudah saya usahakan selesai di hari yang sama. Saya ingin ikut pelatihan penulisan laporan.',
    })
    expect(n.externalId).toBe('8Xq2Ab')
    expect(n.submittedAt).toBe('2026-03-02T03:15:42.000Z')
    expect(n.partial).toBeUndefined()
  })

  it('keeps INPUT_NUMBER as a number, the rater NIP as a string, and skips unanswered (null) fields', () => {
    const n = normalise(T2)
    expect(n.fields).toMatchObject({
      nip: '199007252015032002',
      peran: 'supervisor',
      question_Ab1NvX: '197805152006042011',
      'NIP Anda (penilai)': '197805152006042011',
      'Unit kerja': 'Seksi Pemerintahan',
      question_Ky4mB8: 3,
      'Berapa bulan Anda mengamati pegawai ini?': 3,
      Integritas: 5,
      'Orientasi Pelayanan': 5,
    })
    expect(n.fields).not.toHaveProperty('question_Wy2oLs')
    expect(n.fields).not.toHaveProperty('Catatan rahasia untuk Camat (opsional)')
    expect(n).toMatchObject({ externalId: 'm4RtYe', submittedAt: '2026-03-03T09:02:11.000Z' })
  })

  it('reads a 2021-era payload: a bare option id, checkbox lists and sub-fields, and ignores unknown field types', () => {
    const n = normalise(LEGACY)
    expect(n.fields).toEqual({
      'question_aB12cd_0e5f7a21-6c3b-4d18-8a9e-4b2c7d1f0e63': '198503122010011001',
      nip: '198503122010011001',
      question_3kQpLm: 'Rekan satu seksi',
      'Hubungan kerja': 'Rekan satu seksi',
      question_9wErTy: ['Tepat waktu', 'Ramah kepada warga'],
      'Kekuatan yang terlihat': ['Tepat waktu', 'Ramah kepada warga'],
      'question_9wErTy_b3f7e1c9-5a2d-4c86-9e04-1d7a3b6f8c52': true,
      'Kekuatan yang terlihat (Tepat waktu)': true,
      question_Hj5kLz: 4,
      Integritas: 4,
    })
    expect(n).toMatchObject({ externalId: 'wLx3Pq', submittedAt: '2021-09-14T02:11:05.000Z' })
  })

  it('keeps a multiple choice with several ticked options as a list, and unknown option ids as sent', () => {
    const n = normalise(edit1('"value":["5a9d1e7c-2b64-4f08-a3c9-e17b5d2f6a40"]', '"value":["5a9d1e7c-2b64-4f08-a3c9-e17b5d2f6a40","0f3c2b6e-8a41-4d7e-9b25-6c1e4f8a3d27","lainnya"]'))
    expect(n.fields.question_rQ6yXa).toEqual(['Seksi Pelayanan Umum', 'Sekretariat Kecamatan', 'lainnya'])
  })

  it('drops a label two questions share, keeping both answers under their keys', () => {
    const n = normalise(edit1('"label":"Kerja Sama"', '"label":"Integritas"'))
    expect(n.fields).not.toHaveProperty('Integritas')
    expect(n.fields).toMatchObject({ question_Lg9wZ2: 4, question_Mn3sTd: 4 })
  })

  it('lets a hidden field keep its parameter name when a question has the same label', () => {
    const n = normalise(edit1('"label":"Nama lengkap Anda"', '"label":"nip"'))
    expect(n.fields.nip).toBe('198503122010011001')
    expect(n.fields.question_Ep4RjN).toBe('Rahmat Hidayat')
  })

  it('keeps file uploads as their URLs', () => {
    const n = normalise(edit1('"type":"TEXTAREA","value":"Pelayanan', '"type":"FILE_UPLOAD","value":[{"id":"f1","name":"spt.pdf","url":"https://storage.tally.so/private/spt.pdf","mimeType":"application/pdf","size":1024}],"x":"Pelayanan'))
    expect(n.fields.Komentar).toEqual(['https://storage.tally.so/private/spt.pdf'])
  })
})

describe('tally plugin: hostile bodies (webhooks.md section 9)', () => {
  it('rejects duplicate JSON keys with the path of the second one', () => {
    const e = failure(() => normalise(edit1('"type":"LINEAR_SCALE","value":4}', '"type":"LINEAR_SCALE","value":4,"value":5}')))
    expect(e).toMatchObject({ code: 'invalid-json', status: 400 })
    expect(e.errors?.[0]).toMatchObject({ path: '/data/fields/4/value', message: expect.stringContaining("duplicate key 'value'") })
  })

  it.each(['__proto__', 'prototype'])('rejects a %s key with its path', (key) => {
    const e = failure(() => normalise(T1.replace('"data":{', () => `"data":{"${key}":{"isAdmin":true},`)))
    expect(e.status).toBe(400)
    expect(e.errors?.[0]?.path).toBe(`/data/${key}`)
  })

  it('rejects a NIP sent as a JSON number, naming the hidden field and asking for a string', () => {
    const e = failure(() => normalise(edit1('"value":"198503122010011001"', '"value":198503122010011001')))
    expect(e).toMatchObject({ code: 'validation-failed', status: 422 })
    expect(e.errors).toEqual([
      {
        path: '/data/fields/0/value',
        message: '"nip" (question_Vz8KbP_7a1e4c92-3d5b-4f60-8e27-b9c4d1a6f305): 198503122010011001 loses digits as a JSON number; send it as the string "198503122010011001" (a NIP is always text)',
      },
    ])
  })

  it('treats a NIP written in exponent form like any other NIP sent as a number', () => {
    const e = failure(() => normalise(edit1('"value":"198503122010011001"', '"value":1.98503122010011001e17')))
    expect(e.errors?.[0]).toMatchObject({ path: '/data/fields/0/value', message: expect.stringContaining('1.98503122010011001e17 loses digits as a JSON number; send it as text') })
  })

  it('keeps a NIP with spaces as sent, for the intake to check', () => {
    expect(normalise(edit1('"value":"198503122010011001"', '"value":"19850312 2010011001"')).fields.nip).toBe('19850312 2010011001')
  })

  it.each([
    ['"4,5"', '"4,5"'],
    ['"lima"', '"lima"'],
    ['[4]', '[4]'],
  ])('rejects a LINEAR_SCALE value of %s, naming the question', (json, shown) => {
    const e = failure(() => normalise(edit1('"label":"Integritas","type":"LINEAR_SCALE","value":4', `"label":"Integritas","type":"LINEAR_SCALE","value":${json}`)))
    expect(e.status).toBe(422)
    expect(e.errors).toEqual([{ path: '/data/fields/4/value', message: `"Integritas" (question_Lg9wZ2): a LINEAR_SCALE answer must be a number, got ${shown}` }])
  })

  it('rejects 1e309 in a RATING', () => {
    const e = failure(() => normalise(edit1('"type":"RATING","value":5', '"type":"RATING","value":1e309')))
    expect(e.errors).toEqual([{ path: '/data/fields/7/value', message: '"Orientasi Pelayanan" (question_Qb2cJf): 1e309 is out of range for a number' }])
  })

  it('rejects a truncated body as invalid JSON', () => {
    const e = failure(() => normalise(T1.slice(0, T1.length - 25)))
    expect(e).toMatchObject({ code: 'invalid-json', status: 400 })
  })

  it('rejects NUL and lone surrogates in text, naming the field', () => {
    const nul = failure(() => normalise(edit1('"value":"Rahmat Hidayat"', '"value":"Rahmat\\u0000Hidayat"')))
    expect(nul.errors).toEqual([{ path: '/data/fields/2/value', message: expect.stringMatching(/^"Nama lengkap Anda" \(question_Ep4RjN\): contains a NUL character/) }])
    const lone = failure(() => normalise(edit1('"value":"Rahmat Hidayat"', '"value":"Rahmat \\udc00"')))
    expect(lone).toMatchObject({ status: 422 })
    expect(lone.errors?.[0]?.path).toBe('/data/fields/2/value')
  })

  it('keeps emoji, right-to-left text and formula-looking text exactly as sent', () => {
    const text = '=HYPERLINK("http://x.example","klik") 🙏 \u202Eabc\u202C'
    expect(normalise(edit1('"value":"Rahmat Hidayat"', `"value":${JSON.stringify(text)}`)).fields['Nama lengkap Anda']).toBe(text)
  })

  it('rejects bodies that are not Tally responses, naming the member', () => {
    expect(failure(() => normalise('{"eventType":"FORM_DELETED","data":{}}')).errors?.[0]?.path).toBe('/eventType')
    expect(failure(() => normalise('{"eventType":"FORM_RESPONSE"}')).errors?.[0]?.path).toBe('/data')
    expect(failure(() => normalise('{"eventType":"FORM_RESPONSE","data":{"fields":{}}}')).errors?.[0]?.path).toBe('/data/fields')
    expect(failure(() => normalise('{"data":{"fields":[{"label":"x","value":1}]}}')).errors?.[0]?.path).toBe('/data/fields/0')
    expect(failure(() => normalise('[1]')).errors?.[0]?.path).toBe('/')
  })
})
