import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { isAppError, type AppError } from '../../src/errors.ts'
import { googleFormsPlugin as plugin } from '../../plugins/google-forms/index.ts'
import type { Delivery } from '../../plugins/plugin.ts'
import { failure } from '../support/failure.ts'

const SECRET = 'gas_test_secret_kL93'
const fixture = (name: string) => readFileSync(new URL(`../fixtures/webhooks/${name}`, import.meta.url), 'utf8')
const GF1 = fixture('google-forms-1.json')
const GF2 = fixture('google-forms-2.json')
const SHEETS = fixture('hostile/google-sheets-1.json')

/** The header the kinerja Apps Script sends, computed independently of the plugin. */
const sign = (text: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(text, 'utf8').digest('base64')}`

const delivery = (text: string, headers: Record<string, string> = { 'x-appraisal-signature': sign(text) }): Delivery => ({
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: new TextEncoder().encode(text),
  text,
  url: 'https://penilaian.plaju.example.go.id/hooks/bnd_gf1',
  receivedAt: new Date('2026-03-02T02:41:10Z'),
})
const normalise = (text: string) => plugin.normalise(delivery(text))


/** google-forms-1 with one answer's JSON text replaced. */
const withAnswer1 = (from: string, to: string) => {
  expect(GF1).toContain(from)
  return GF1.replace(from, () => to)
}

describe('google-forms plugin: signature', () => {
  it('authenticates both shared fixtures with the signatures of webhooks.md section 10', async () => {
    expect(await plugin.authenticate(delivery(GF1, { 'x-appraisal-signature': 'sha256=ZtQ8qrdDJue4Qa09pLofbg4I8Uy4mJ7ZdcC6JI9xJ6Y=' }), SECRET)).toBe(true)
    expect(await plugin.authenticate(delivery(GF2, { 'x-appraisal-signature': 'sha256=6NjIFqlm9NdpB96F3OG6AKBq5hHq8AyELAgShfuB9xw=' }), SECRET)).toBe(true)
    expect(plugin.secretKind).toBe('hmac')
    expect(plugin.secretHeaders).toEqual(['x-appraisal-signature'])
  })

  it('refuses a wrong secret, a missing header and an empty secret', async () => {
    expect(await plugin.authenticate(delivery(GF1), 'gas_test_secret_kL94')).toBe(false)
    expect(await plugin.authenticate(delivery(GF1, {}), SECRET)).toBe(false)
    expect(await plugin.authenticate(delivery(GF1, { 'x-appraisal-signature': sign(GF1, '') }), '')).toBe(false)
  })

  it('refuses a body changed by one byte after signing', async () => {
    const forged = GF1.replace('"response":"4"', '"response":"5"')
    expect(forged).not.toBe(GF1)
    expect(await plugin.authenticate(delivery(forged, { 'x-appraisal-signature': sign(GF1) }), SECRET)).toBe(false)
  })

  it('refuses a truncated body that still carries the full body signature', async () => {
    expect(await plugin.authenticate(delivery(GF1.slice(0, -40), { 'x-appraisal-signature': sign(GF1) }), SECRET)).toBe(false)
  })

  it('refuses signatures in other shapes: no sha256= prefix, hex digest, garbage', async () => {
    const base64 = sign(GF1).slice('sha256='.length)
    const hex = createHmac('sha256', SECRET).update(GF1).digest('hex')
    for (const header of [base64, `sha256=${hex}`, 'sha256=', 'sha256=%%%', `sha1=${base64}`]) {
      expect(await plugin.authenticate(delivery(GF1, { 'x-appraisal-signature': header }), SECRET)).toBe(false)
    }
  })
})

describe('google-forms plugin: idempotency key', () => {
  it('is the responseId, the same for a byte-identical retry and for a re-send with a new attempt number', () => {
    const key = plugin.idempotencyKey(delivery(GF1))
    expect(key).toBe('2_ABaOnueK7pXq3Vt9Yw1Rz4mLc8sHd2FjN6bGtQ0aUyEo5iPv')
    expect(plugin.idempotencyKey(delivery(GF1))).toBe(key)
    const resent = GF1.replace('"attempt":1', '"attempt":2').replace('"sentAt":"2026-03-02T02:41:09.884Z"', '"sentAt":"2026-03-02T02:51:09.884Z"')
    expect(plugin.idempotencyKey(delivery(resent))).toBe(key)
    expect(plugin.idempotencyKey(delivery(GF2))).toBe('2_ABaOnudW4s8Lq1Zx6Cv3Tn0Hb9Pk2Mg7Rf5Ye1Ja8Do4Us')
  })

  it('is the spreadsheet row for the Sheets-bound variant', () => {
    expect(plugin.idempotencyKey(delivery(SHEETS))).toBe('1Tq8RvN3bLx5Wc7Zk9Pd2Hs4Gf6Jm0Ya8Ue1Io3QwErT:Jawaban Formulir 1!A5:I5')
  })

  it('is absent (the body hash is used) when there is no responseId or the body is not JSON', () => {
    expect(plugin.idempotencyKey(delivery(GF1.replace('"responseId":"2_ABaOnueK7pXq3Vt9Yw1Rz4mLc8sHd2FjN6bGtQ0aUyEo5iPv",', '')))).toBeUndefined()
    expect(plugin.idempotencyKey(delivery(GF1.replace('"2_ABaOnueK7pXq3Vt9Yw1Rz4mLc8sHd2FjN6bGtQ0aUyEo5iPv"', 'null')))).toBeUndefined()
    expect(plugin.idempotencyKey(delivery(GF1.slice(0, 100)))).toBeUndefined()
  })
})

describe('google-forms plugin: normalising the Apps Script body', () => {
  it('names each answer by its item title and by item:<itemId>, keeping Google Forms text values', () => {
    const n = normalise(GF1)
    expect(n.fields).toEqual({
      'NIP pegawai yang dinilai': '198503122010011001',
      'item:1184631072': '198503122010011001',
      'Nama pegawai yang dinilai': 'Rahmat Hidayat',
      'item:402918335': 'Rahmat Hidayat',
      'Peran Anda terhadap pegawai yang dinilai': 'Diri sendiri (self)',
      'item:1739204461': 'Diri sendiri (self)',
      'NIP Anda (penilai)': '198503122010011001',
      'item:881045927': '198503122010011001',
      Integritas: '4',
      'item:2059113784': '4',
      'Kerja Sama': '4',
      'item:1566320109': '4',
      Komunikasi: '3',
      'item:690472258': '3',
      'Orientasi Pelayanan': '5',
      'item:1321987740': '5',
      'Komentar dan saran': 'Saya sudah berusaha hadir tepat waktu setiap hari. Mohon bimbingan untuk penyusunan laporan kegiatan agar sesuai format terbaru.',
      'item:955601832': 'Saya sudah berusaha hadir tepat waktu setiap hari. Mohon bimbingan untuk penyusunan laporan kegiatan agar sesuai format terbaru.',
    })
    expect(n.externalId).toBe('2_ABaOnueK7pXq3Vt9Yw1Rz4mLc8sHd2FjN6bGtQ0aUyEo5iPv')
    expect(n.submittedAt).toBe('2026-03-02T02:41:07.512Z')
    expect(n.partial).toBeUndefined()
  })

  it('gives each GRID row its own field, keeps CHECKBOX answers as a list and adds the respondent e-mail', () => {
    const n = normalise(GF2)
    expect(n.fields).toMatchObject({
      'NIP pegawai yang dinilai': '198503122010011001',
      'NIP Anda (penilai)': '197611042003121003',
      'Penilaian perilaku kerja [Integritas]': '5',
      'Penilaian perilaku kerja [Kerja Sama]': '4',
      'Penilaian perilaku kerja [Komunikasi]': '3',
      'Penilaian perilaku kerja [Orientasi Pelayanan]': '4',
      'item:1450827396:Integritas': '5',
      'item:1450827396:Orientasi Pelayanan': '4',
      'Kompetensi yang menonjol': ['Pelayanan publik', 'Pengelolaan arsip'],
      'item:317764590': ['Pelayanan publik', 'Pengelolaan arsip'],
      respondentEmail: 'wahyu.nugroho@plaju.palembang.go.id',
    })
    expect(n.fields).not.toHaveProperty('Penilaian perilaku kerja')
    expect(n.externalId).toBe('2_ABaOnudW4s8Lq1Zx6Cv3Tn0Hb9Pk2Mg7Rf5Ye1Ja8Do4Us')
    expect(n.submittedAt).toBe('2026-03-03T08:19:44.090Z')
  })

  it('leaves out unanswered GRID rows and gives CHECKBOX_GRID rows lists', () => {
    const grid = withAnswer1(
      '{"itemId":2059113784,"title":"Integritas","type":"SCALE","response":"4"}',
      '{"itemId":11,"title":"Perilaku","type":"GRID","rows":["Jujur","Disiplin"],"response":["","3"]},' +
        '{"itemId":12,"title":"Bukti","type":"CHECKBOX_GRID","rows":["Jujur","Disiplin"],"response":[["Laporan","Absensi"],null]}',
    )
    const { fields } = normalise(grid)
    expect(fields).not.toHaveProperty('Perilaku [Jujur]')
    expect(fields).toMatchObject({ 'Perilaku [Disiplin]': '3', 'item:11:Disiplin': '3', 'Bukti [Jujur]': ['Laporan', 'Absensi'], 'item:12:Jujur': ['Laporan', 'Absensi'] })
    expect(fields).not.toHaveProperty('Bukti [Disiplin]')
  })

  it('numbers grid rows from 1 when an older script did not send the row titles', () => {
    const grid = withAnswer1('{"itemId":2059113784,"title":"Integritas","type":"SCALE","response":"4"}', '{"itemId":12,"title":"Bukti","type":"CHECKBOX_GRID","response":[["Laporan"],["Absensi"]]}')
    expect(normalise(grid).fields).toMatchObject({ 'Bukti [1]': ['Laporan'], 'Bukti [2]': ['Absensi'], 'item:12:2': ['Absensi'] })
  })

  it('drops a title two questions share, keeping both answers under item:<itemId>', () => {
    const twice = withAnswer1('"itemId":1566320109,"title":"Kerja Sama"', '"itemId":1566320109,"title":"Integritas"')
    const { fields } = normalise(twice)
    expect(fields).not.toHaveProperty('Integritas')
    expect(fields).toMatchObject({ 'item:2059113784': '4', 'item:1566320109': '4' })
  })

  it('trims spaces around a title, which HR cannot see in the form editor', () => {
    expect(normalise(withAnswer1('"title":"Integritas"', '"title":"  Integritas "')).fields.Integritas).toBe('4')
  })

  it('reads the body whatever Content-Type a custom header claims', () => {
    expect(plugin.normalise(delivery(GF1, { 'content-type': 'text/plain', 'x-appraisal-signature': sign(GF1) })).fields.Integritas).toBe('4')
  })
})

describe('google-forms plugin: the Sheets-bound variant', () => {
  it('keeps namedValues as fields, single cells as text, and never guesses the localised timestamp', () => {
    const n = normalise(SHEETS)
    expect(n.fields).toEqual({
      'Stempel waktu': '04/03/2026 10.25.58',
      'Alamat email': 'wahyu.nugroho@plaju.palembang.go.id',
      'NIP pegawai yang dinilai': '198503122010011001',
      'NIP Anda (penilai)': '197611042003121003',
      'Penilaian perilaku kerja [Integritas]': '5',
      'Penilaian perilaku kerja [Kerja Sama]': '4',
      'Kompetensi yang menonjol': 'Pelayanan publik, Pengelolaan arsip',
      'Komentar dan saran': 'Tertib administrasi; perlu lebih sering berbagi informasi dengan tim.',
    })
    expect(n.externalId).toBe('1Tq8RvN3bLx5Wc7Zk9Pd2Hs4Gf6Jm0Ya8Ue1Io3QwErT:Jawaban Formulir 1!A5:I5')
    expect(n.submittedAt).toBeUndefined()
  })

  it('takes submittedAt when a sheet script adds an ISO time, and keeps a repeated header as a list', () => {
    const text = SHEETS.replace('"attempt":1,', '"attempt":1,"submittedAt":"2026-03-04T03:25:58.000Z",').replace('"Alamat email":["wahyu.nugroho@plaju.palembang.go.id"]', '"Alamat email":["a@x.go.id","b@x.go.id"]')
    const n = normalise(text)
    expect(n.submittedAt).toBe('2026-03-04T03:25:58.000Z')
    expect(n.fields['Alamat email']).toEqual(['a@x.go.id', 'b@x.go.id'])
  })

  it('rejects namedValues that are not lists of cell texts, naming the column', () => {
    const e = failure(() => normalise(SHEETS.replace('"Penilaian perilaku kerja [Kerja Sama]":["4"]', '"Penilaian perilaku kerja [Kerja Sama]":{"v":4}')))
    expect(e.status).toBe(422)
    expect(e.errors).toEqual([{ path: '/namedValues/Penilaian perilaku kerja [Kerja Sama]', message: '"Penilaian perilaku kerja [Kerja Sama]": must be a list of cell texts' }])
  })
})

describe('google-forms plugin: hostile bodies (webhooks.md section 9)', () => {
  it('rejects duplicate JSON keys with the path of the second one', () => {
    const e = failure(() => normalise(withAnswer1('"type":"SCALE","response":"4"', '"type":"SCALE","response":"4","response":"5"')))
    expect(e.code).toBe('invalid-json')
    expect(e.status).toBe(400)
    expect(e.errors?.[0]).toMatchObject({ path: '/answers/4/response' })
    expect(e.errors?.[0]?.message).toContain("duplicate key 'response'")
  })

  it.each(['__proto__', 'constructor'])('rejects a %s key with its path', (key) => {
    const e = failure(() => normalise(GF1.replace('"answers":[', () => `"${key}":{"admin":true},"answers":[`)))
    expect(e.status).toBe(400)
    expect(e.errors?.[0]?.path).toBe(`/${key}`)
  })

  it('rejects a NIP sent as a JSON number, naming the question and asking for a string', () => {
    const e = failure(() => normalise(GF1.replaceAll('"response":"198503122010011001"}', '"response":198503122010011001}')))
    expect(e.code).toBe('validation-failed')
    expect(e.status).toBe(422)
    expect(e.errors).toEqual([
      { path: '/answers/0/response', message: '"NIP pegawai yang dinilai" (item:1184631072): 198503122010011001 loses digits as a JSON number; send it as the string "198503122010011001" (a NIP is always text)' },
      { path: '/answers/3/response', message: expect.stringContaining('"NIP Anda (penilai)" (item:881045927): 198503122010011001 loses digits') },
    ])
  })

  it('keeps a NIP with spaces as sent, for the intake to check against ^[0-9]{18}$', () => {
    const n = normalise(withAnswer1('"response":"198503122010011001"}', '"response":"19850312 201001 1 001"}'))
    expect(n.fields['NIP pegawai yang dinilai']).toBe('19850312 201001 1 001')
  })

  it.each([
    ['"4,5"', '"4,5"'],
    ['"lima"', '"lima"'],
    ['["4"]', '["4"]'],
    ['true', 'true'],
  ])('rejects a SCALE answer of %s, naming the question', (json, shown) => {
    const e = failure(() => normalise(withAnswer1('"title":"Integritas","type":"SCALE","response":"4"', `"title":"Integritas","type":"SCALE","response":${json}`)))
    expect(e.status).toBe(422)
    expect(e.errors).toEqual([{ path: '/answers/4/response', message: `"Integritas" (item:2059113784): a SCALE answer must be a whole number, got ${shown}` }])
  })

  it('rejects 1e309, which no number can hold', () => {
    const e = failure(() => normalise(withAnswer1('"type":"SCALE","response":"4"', '"type":"SCALE","response":1e309')))
    expect(e.status).toBe(422)
    expect(e.errors).toEqual([{ path: '/answers/4/response', message: '"Integritas" (item:2059113784): 1e309 is out of range for a number' }])
  })

  it('rejects a truncated body as invalid JSON', () => {
    const e = failure(() => normalise(GF1.slice(0, -40)))
    expect(e.code).toBe('invalid-json')
    expect(e.status).toBe(400)
    expect(e.errors?.[0]?.message).toMatch(/unterminated string|end of the text/)
  })

  it('rejects a NUL character and a lone surrogate in a comment, naming the question', () => {
    const nul = failure(() => normalise(withAnswer1('"response":"Saya sudah', '"response":"Saya\\u0000 sudah')))
    expect(nul.status).toBe(422)
    expect(nul.errors).toEqual([{ path: '/answers/8/response', message: expect.stringMatching(/^"Komentar dan saran" \(item:955601832\): contains a NUL character/) }])
    const lone = failure(() => normalise(withAnswer1('"response":"Saya sudah', '"response":"Saya \\ud83d sudah')))
    expect(lone.status).toBe(422)
    expect(lone.errors?.[0]).toMatchObject({ path: '/answers/8/response', message: expect.stringContaining("lone surrogate") })
  })

  it('keeps emoji, right-to-left text and formula-looking text exactly as sent', () => {
    const comment = '=IMPORTXML("http://x.example/a","//b") 👍🏽 \u202Eكشف\u202C'
    const n = normalise(withAnswer1('"response":"Saya sudah berusaha hadir tepat waktu setiap hari. Mohon bimbingan untuk penyusunan laporan kegiatan agar sesuai format terbaru."', `"response":${JSON.stringify(comment)}`))
    expect(n.fields['Komentar dan saran']).toBe(comment)
  })

  it('rejects a body from another sender or a newer script version, naming the member', () => {
    expect(failure(() => normalise(GF1.replace('"source":"google-forms"', '"source":"tally"'))).errors?.[0]?.path).toBe('/source')
    const v2 = failure(() => normalise(GF1.replace('"schemaVersion":1', '"schemaVersion":2')))
    expect(v2.status).toBe(422)
    expect(v2.errors?.[0]?.path).toBe('/schemaVersion')
  })

  it('rejects answers without a list, and an answer with neither title nor item id', () => {
    expect(failure(() => normalise('{"source":"google-forms","responseId":"r1","answers":{}}')).errors).toEqual([
      { path: '/answers', message: 'must be the list of answers built by plugins/google-forms/apps-script.gs' },
    ])
    expect(failure(() => normalise('{"source":"google-forms","responseId":"r1","answers":[{"type":"TEXT","response":"x"}]}')).errors?.[0]?.path).toBe('/answers/0')
  })

  it('rejects a GRID answer whose row count does not match its rows', () => {
    const e = failure(() => normalise(withAnswer1('{"itemId":2059113784,"title":"Integritas","type":"SCALE","response":"4"}', '{"itemId":11,"title":"Perilaku","type":"GRID","rows":["Jujur","Disiplin"],"response":["4"]}')))
    expect(e.errors).toEqual([{ path: '/answers/4/response', message: '"Perilaku" (item:11): 1 answers for 2 rows' }])
  })

  it('rejects a submittedAt that is not an ISO time', () => {
    const e = failure(() => normalise(GF1.replace('"submittedAt":"2026-03-02T02:41:07.512Z"', '"submittedAt":"02/03/2026 09.41.07"')))
    expect(e.errors?.[0]?.path).toBe('/submittedAt')
  })

  it('never lets a question titled __proto__ reach an object prototype', () => {
    const { fields } = normalise(withAnswer1('"title":"Integritas"', '"title":"__proto__"'))
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype)
    expect(Object.keys(fields)).not.toContain('__proto__')
    expect(fields['item:2059113784']).toBe('4')
  })
})
