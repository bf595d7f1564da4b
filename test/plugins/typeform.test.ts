import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { isAppError, type AppError } from '../../src/errors.ts'
import { typeformPlugin as plugin } from '../../plugins/typeform/index.ts'
import type { Delivery } from '../../plugins/plugin.ts'
import { failure } from '../support/failure.ts'

const SECRET = 'typeform_test_secret_Zx81'
const fixture = (name: string) => readFileSync(new URL(`../fixtures/webhooks/${name}`, import.meta.url), 'utf8')
const TF1 = fixture('typeform-1.json')
const TF2 = fixture('typeform-2.json')
const PARTIAL = fixture('hostile/typeform-partial.json')

const sign = (text: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(text, 'utf8').digest('base64')}`

const delivery = (text: string, headers: Record<string, string> = { 'typeform-signature': sign(text) }): Delivery => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: new TextEncoder().encode(text),
  text,
  url: 'https://penilaian.plaju.example.go.id/hooks/bnd_tf1',
  receivedAt: new Date('2026-03-02T02:36:50Z'),
})
const normalise = (text: string) => plugin.normalise(delivery(text))


const COMMENT1 = 'Saya terbiasa menyelesaikan antrean loket sebelum istirahat siang. Target saya triwulan depan: laporan bulanan dikirim paling lambat tanggal 5.'

/** typeform-1 with one piece of its JSON text replaced. */
const edit1 = (from: string, to: string) => {
  expect(TF1).toContain(from)
  return TF1.replace(from, () => to)
}

describe('typeform plugin: signature', () => {
  it('authenticates both shared fixtures with the signatures of webhooks.md section 10', async () => {
    expect(await plugin.authenticate(delivery(TF1, { 'typeform-signature': 'sha256=JLMtgX9+g6JiC7A+jVIiuTqVqmqi2nSfJZlkuZPUNQw=' }), SECRET)).toBe(true)
    expect(await plugin.authenticate(delivery(TF2, { 'typeform-signature': 'sha256=PcUIyJj8Td0FsTPtd6AX/LQGsXgmMP17ANC3/Zon8wk=' }), SECRET)).toBe(true)
    expect(plugin.secretHeaders).toEqual(['typeform-signature'])
  })

  it('refuses a wrong secret, a missing header, an empty secret and a signature without its sha256= prefix', async () => {
    expect(await plugin.authenticate(delivery(TF1), 'typeform_test_secret_Zx82')).toBe(false)
    expect(await plugin.authenticate(delivery(TF1, {}), SECRET)).toBe(false)
    expect(await plugin.authenticate(delivery(TF1, { 'typeform-signature': sign(TF1, '') }), '')).toBe(false)
    expect(await plugin.authenticate(delivery(TF1, { 'typeform-signature': sign(TF1).slice(7) }), SECRET)).toBe(false)
  })

  it('refuses a body changed by one byte after signing', async () => {
    const forged = TF1.replace('"number":3', '"number":5')
    expect(forged).not.toBe(TF1)
    expect(await plugin.authenticate(delivery(forged, { 'typeform-signature': sign(TF1) }), SECRET)).toBe(false)
  })
})

describe('typeform plugin: idempotency key', () => {
  it('is form_response.token, the same for a byte-identical retry and for a re-delivery with a new event_id', () => {
    expect(plugin.idempotencyKey(delivery(TF1))).toBe('p0t1k9v2d8m3q7x4c6n5b8z1r2w3e4y5')
    expect(plugin.idempotencyKey(delivery(TF1))).toBe('p0t1k9v2d8m3q7x4c6n5b8z1r2w3e4y5')
    expect(plugin.idempotencyKey(delivery(TF1.replace('01JNQ8W4K7ZC3D9RT2XBM5VHYE', '01JNQ9AAAAAAAAAAAAAAAAAAAA')))).toBe('p0t1k9v2d8m3q7x4c6n5b8z1r2w3e4y5')
    expect(plugin.idempotencyKey(delivery(TF2))).toBe('b7n3m1k9j5h2g8f4d6s0a3p7o1i5u9y2')
  })

  it('is absent when the body is not JSON or has no token', () => {
    expect(plugin.idempotencyKey(delivery(TF1.slice(0, 60)))).toBeUndefined()
    expect(plugin.idempotencyKey(delivery('{"event_type":"form_response","form_response":{}}'))).toBeUndefined()
  })
})

describe('typeform plugin: normalising', () => {
  it('names answers by field.ref and field.id, keeps numbers as numbers and hidden fields as strings', () => {
    const n = normalise(TF1)
    expect(n.fields).toEqual({
      nama_penilai: 'Rahmat Hidayat',
      aB3dE5fG7hJ9: 'Rahmat Hidayat',
      integritas: 4,
      kL2mN4pQ6rS8: 4,
      kerja_sama: 4,
      tU1vW3xY5zA7: 4,
      komunikasi: 3,
      bC9dF2gH4jK6: 3,
      orientasi_pelayanan: 5,
      mN8pQ1rS3tU5: 5,
      komentar: COMMENT1,
      vW7xY9zA2bC4: COMMENT1,
      nip: '198503122010011001',
      nama_dinilai: 'Rahmat Hidayat',
      peran: 'self',
      periode: '2026-tw1',
    })
    expect(n.externalId).toBe('p0t1k9v2d8m3q7x4c6n5b8z1r2w3e4y5')
    expect(n.submittedAt).toBe('2026-03-02T02:36:48.000Z')
    expect(n.partial).toBeUndefined()
  })

  it('reads UUID refs, a choice as its label and a date as text', () => {
    const n = normalise(TF2)
    expect(n.fields).toMatchObject({
      '0b7e2f91-5c3d-4a86-9e14-d2a6c8f0b357': 'Atasan langsung',
      qR5sT7uV9wX1: 'Atasan langsung',
      '9c41e7a2-08bd-4f65-b3e9-17f2d5c8a064': '2026-02-20',
      integritas: 5,
      orientasi_pelayanan: 4,
      nip: '198503122010011001',
      nip_penilai: '197611042003121003',
    })
    expect(n).toMatchObject({ externalId: 'b7n3m1k9j5h2g8f4d6s0a3p7o1i5u9y2', submittedAt: '2026-03-03T08:04:37.000Z' })
  })

  it('marks a form_response_partial as partial, with the answers given so far', () => {
    const n = normalise(PARTIAL)
    expect(n.partial).toBe(true)
    expect(n.submittedAt).toBeUndefined()
    expect(n.externalId).toBe('q8w2e6r4t1y9u3i5o7p0a2s4d6f8g1h3')
    expect(n.fields).toEqual({ integritas: 4, kL2mN4pQ6rS8: 4, nip: '198503122010011001', nama_dinilai: 'Rahmat Hidayat', nip_penilai: '197908172005011004', periode: '2026-tw1' })
  })

  it('marks a response without submitted_at as partial even when the event type says otherwise', () => {
    expect(normalise(TF1.replace('"submitted_at":"2026-03-02T02:36:48Z",', '')).partial).toBe(true)
  })

  it('keeps choices as a list of labels (with the "Other" text), booleans, e-mails and an "Other" choice', () => {
    const text = edit1(
      '{"type":"text","text":"Rahmat Hidayat","field":{"id":"aB3dE5fG7hJ9","type":"short_text","ref":"nama_penilai"}}',
      '{"type":"choices","choices":{"ids":["a","b"],"labels":["Pelayanan","Arsip"],"other":"Pengaduan"},"field":{"id":"c1","type":"multiple_choice","ref":"kekuatan"}},' +
        '{"type":"boolean","boolean":false,"field":{"id":"c2","type":"yes_no","ref":"pernah_cuti"}},' +
        '{"type":"email","email":"rahmat@plaju.go.id","field":{"id":"c3","type":"email","ref":"email"}},' +
        '{"type":"choice","choice":{"other":"Pendamping"},"field":{"id":"c4","type":"multiple_choice","ref":"hubungan"}},' +
        '{"type":"payment","payment":{"amount":"0","last4":"0000","name":"x","success":true},"field":{"id":"c5","type":"payment","ref":"bayar"}}',
    )
    const { fields } = normalise(text)
    expect(fields).toMatchObject({ kekuatan: ['Pelayanan', 'Arsip', 'Pengaduan'], pernah_cuti: false, email: 'rahmat@plaju.go.id', hubungan: 'Pendamping' })
    expect(fields).not.toHaveProperty('bayar')
  })

  it('drops a name a hidden field and a question ref would share, rather than guess', () => {
    const { fields } = normalise(edit1('"hidden":{"nip":"198503122010011001"', '"hidden":{"nip":"198503122010011001","integritas":"9"'))
    expect(fields).not.toHaveProperty('integritas')
    expect(fields.kL2mN4pQ6rS8).toBe(4)
  })
})

describe('typeform plugin: hostile bodies (webhooks.md section 9)', () => {
  it('rejects duplicate JSON keys with the path of the second one', () => {
    const e = failure(() => normalise(edit1('"hidden":{"nip":"198503122010011001"', '"hidden":{"nip":"198503122010011001","nip":"197611042003121003"')))
    expect(e).toMatchObject({ code: 'invalid-json', status: 400 })
    expect(e.errors?.[0]).toMatchObject({ path: '/form_response/hidden/nip', message: expect.stringContaining("duplicate key 'nip'") })
  })

  it.each(['__proto__', 'constructor'])('rejects a %s key with its path', (key) => {
    const e = failure(() => normalise(edit1('"hidden":{', `"hidden":{"${key}":"x",`)))
    expect(e.status).toBe(400)
    expect(e.errors?.[0]?.path).toBe(`/form_response/hidden/${key}`)
  })

  it('rejects a NIP sent as a JSON number, naming the hidden field and asking for a string', () => {
    const e = failure(() => normalise(edit1('"nip":"198503122010011001"', '"nip":198503122010011001')))
    expect(e).toMatchObject({ code: 'validation-failed', status: 422 })
    expect(e.errors).toEqual([
      { path: '/form_response/hidden/nip', message: 'hidden field "nip": 198503122010011001 loses digits as a JSON number; send it as the string "198503122010011001" (a NIP is always text)' },
    ])
  })

  it('keeps a NIP with spaces as sent, for the intake to check', () => {
    expect(normalise(edit1('"nip":"198503122010011001"', '"nip":" 198503122010011001 "')).fields.nip).toBe(' 198503122010011001 ')
  })

  it.each([
    ['"4,5"', '"4,5"'],
    ['"lima"', '"lima"'],
    ['[4]', '[4]'],
    ['null', 'null'],
  ])('rejects a number answer of %s, naming the ref', (json, shown) => {
    const e = failure(() => normalise(edit1('"number":3,', `"number":${json},`)))
    expect(e.status).toBe(422)
    expect(e.errors).toEqual([{ path: '/form_response/answers/3/number', message: `"komunikasi": a number answer must be a JSON number, got ${shown}` }])
  })

  it('rejects 1e309', () => {
    const e = failure(() => normalise(edit1('"number":3,', '"number":1e309,')))
    expect(e.errors).toEqual([{ path: '/form_response/answers/3/number', message: '"komunikasi": 1e309 is out of range for a number' }])
  })

  it('rejects a truncated body as invalid JSON', () => {
    expect(failure(() => normalise(TF1.slice(0, 500)))).toMatchObject({ code: 'invalid-json', status: 400 })
  })

  it('rejects NUL and lone surrogates in text, naming the ref', () => {
    const nul = failure(() => normalise(edit1('"text":"Saya terbiasa', '"text":"Saya\\u0000 terbiasa')))
    expect(nul.errors).toEqual([{ path: '/form_response/answers/5/text', message: expect.stringMatching(/^"komentar": contains a NUL character/) }])
    const lone = failure(() => normalise(edit1('"text":"Saya terbiasa', '"text":"Saya \\ud800 terbiasa')))
    expect(lone.status).toBe(422)
    expect(lone.errors?.[0]?.path).toBe('/form_response/answers/5/text')
  })

  it('keeps emoji, right-to-left text and formula-looking text exactly as sent', () => {
    const text = '@SUM(1+1) 👩🏽‍💼 \u202Eتقرير\u202C'
    expect(normalise(edit1(`"text":"${COMMENT1}"`, `"text":${JSON.stringify(text)}`)).fields.komentar).toBe(text)
  })

  it('rejects bodies that are not Typeform responses, naming the member', () => {
    expect(failure(() => normalise('{"event_type":"form_deleted","form_response":{}}')).errors?.[0]?.path).toBe('/event_type')
    expect(failure(() => normalise('{"event_type":"form_response"}')).errors?.[0]?.path).toBe('/form_response')
    expect(failure(() => normalise('{"form_response":{"answers":{}}}')).errors?.[0]?.path).toBe('/form_response/answers')
    expect(failure(() => normalise('{"form_response":{"answers":[{"type":"number","number":4}]}}')).errors?.[0]?.path).toBe('/form_response/answers/0')
    const when = failure(() => normalise(TF1.replace('"submitted_at":"2026-03-02T02:36:48Z"', '"submitted_at":"kemarin"')))
    expect(when.errors?.[0]?.path).toBe('/form_response/submitted_at')
  })
})
