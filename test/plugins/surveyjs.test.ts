import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { isAppError, type AppError } from '../../src/errors.ts'
import type { Delivery } from '../../plugins/plugin.ts'
import { surveyjsPlugin } from '../../plugins/surveyjs/index.ts'
import { failure } from '../support/failure.ts'

const FIXTURE = readFileSync(new URL('../fixtures/webhooks/surveyjs-1.json', import.meta.url), 'utf8')
const TOKEN = 'sjs_test_token_Qe84vB2nL0'
const COMMENT = 'Konsisten dan dapat dipercaya. Tingkatkan kecepatan membalas disposisi surat melalui aplikasi.'

const delivery = (text = FIXTURE, headers: Record<string, string> = { 'x-kinerja-token': TOKEN }): Delivery => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: new TextEncoder().encode(text),
  text,
  url: 'https://penilaian.example.go.id/hooks/bnd_x',
  receivedAt: new Date('2026-03-05T03:22:19Z'),
})

/** The fixture with its survey data replaced by `data` (raw JSON text). */
const withData = (data: string) => FIXTURE.replace(/"data":\{.*\}\}$/, () => `"data":${data}}`)
const fields = (text: string) => surveyjsPlugin.normalise(delivery(text)).fields


describe('surveyjs plugin: token header', () => {
  it('authenticates the page by the X-Kinerja-Token header', async () => {
    expect(await surveyjsPlugin.authenticate(delivery(), TOKEN)).toBe(true)
    expect(surveyjsPlugin.secretKind).toBe('token')
  })

  it('refuses a wrong token, a missing header and an empty secret', async () => {
    expect(await surveyjsPlugin.authenticate(delivery(), `${TOKEN}x`)).toBe(false)
    expect(await surveyjsPlugin.authenticate(delivery(FIXTURE, {}), TOKEN)).toBe(false)
    expect(await surveyjsPlugin.authenticate(delivery(FIXTURE, { 'x-kinerja-token': '' }), '')).toBe(false)
  })

  it('keeps the token out of stored receipts', () => {
    expect(surveyjsPlugin.secretHeaders).toEqual(['x-kinerja-token'])
  })
})

describe('surveyjs plugin: idempotency', () => {
  it('keys a submission by the clientSubmissionId the page made, the same for a retry', () => {
    expect(surveyjsPlugin.idempotencyKey(delivery())).toBe('0c6f3e9a-7b21-4d58-9a4e-f2b1c8d7e503')
  })

  it('has no key when the envelope has no id or is not JSON', () => {
    expect(surveyjsPlugin.idempotencyKey(delivery('{"data":{}}'))).toBeUndefined()
    expect(surveyjsPlugin.idempotencyKey(delivery(FIXTURE.slice(0, 40)))).toBeUndefined()
    expect(surveyjsPlugin.idempotencyKey(delivery(JSON.stringify({ clientSubmissionId: 'x'.repeat(10_000), data: {} })))).toBeUndefined()
  })
})

describe('surveyjs plugin: normalising the fixture', () => {
  it('gives each question by name, a matrix as <question>.<row> and a dynamic panel as <question>[i].<name>', () => {
    const n = surveyjsPlugin.normalise(delivery())
    const bukti = [
      { uraian: 'Rekap layanan PATEN Maret 2026', capaian: 97 },
      { uraian: 'Penataan ulang arsip surat keluar 2025', capaian: 100 },
    ]
    expect(n.fields).toEqual({
      nip_dinilai: '198503122010011001',
      peran: 'supervisor',
      nip_penilai: '197611042003121003',
      perilaku: { integritas: 5, kerja_sama: 4, komunikasi: 3, orientasi_pelayanan: 4 },
      'perilaku.integritas': 5,
      'perilaku.kerja_sama': 4,
      'perilaku.komunikasi': 3,
      'perilaku.orientasi_pelayanan': 4,
      kompetensi_menonjol: ['pelayanan_publik', 'pengelolaan_arsip'],
      bukti_kinerja: bukti,
      'bukti_kinerja[0]': bukti[0],
      'bukti_kinerja[0].uraian': 'Rekap layanan PATEN Maret 2026',
      'bukti_kinerja[0].capaian': 97,
      'bukti_kinerja[1]': bukti[1],
      'bukti_kinerja[1].uraian': 'Penataan ulang arsip surat keluar 2025',
      'bukti_kinerja[1].capaian': 100,
      komentar: COMMENT,
    })
    expect(n.externalId).toBe('0c6f3e9a-7b21-4d58-9a4e-f2b1c8d7e503')
    expect(n.submittedAt).toBe('2026-03-05T03:22:18.640Z')
    expect(n.partial).toBeUndefined()
  })

  it('marks a partial save (onPartialSend) as partial', () => {
    expect(surveyjsPlugin.normalise(delivery(FIXTURE.replace('{"surveyId"', '{"partial":true,"surveyId"'))).partial).toBe(true)
  })

  it('leaves unanswered (null) questions out and spreads a matrixdropdown into <question>.<row>.<column>', () => {
    const f = fields(withData('{"saran":null,"kinerja":{"triwulan_1":{"target":10,"realisasi":9}}}'))
    expect(f).not.toHaveProperty('saran')
    expect(f['kinerja.triwulan_1.realisasi']).toBe(9)
  })

  it('refuses two questions that would produce the same field name', () => {
    const e = failure(() => fields(withData('{"perilaku":{"integritas":5},"perilaku.integritas":1}')))
    expect(e.status).toBe(422)
    expect(e.errors?.[0]?.path).toBe('/data/perilaku.integritas')
  })
})

describe('surveyjs plugin: the envelope', () => {
  it('names the members to rename when a page posts the SurveyJS docs example {postId, surveyResult}', () => {
    const e = failure(() => fields('{"postId":"penilaian-2026","surveyResult":{"peran":"self"}}'))
    expect(e.status).toBe(422)
    expect(e.errors).toEqual([
      { path: '/postId', message: "unknown member: did you mean 'surveyId'? (expected clientSubmissionId, surveyId, completedAt, partial, data)" },
      { path: '/surveyResult', message: "unknown member: did you mean 'data'? (expected clientSubmissionId, surveyId, completedAt, partial, data)" },
      { path: '/data', message: 'required: send survey.data here' },
    ])
  })

  it('refuses a malformed completedAt, id or partial flag, naming each', () => {
    const bad = FIXTURE.replace('2026-03-05T03:22:18.640Z', '5/3/2026').replace('"0c6f3e9a-7b21-4d58-9a4e-f2b1c8d7e503"', '42').replace('{"surveyId"', '{"partial":"yes","surveyId"')
    expect(failure(() => fields(bad)).errors?.map((e) => e.path)).toEqual(['/clientSubmissionId', '/completedAt', '/partial'])
  })

  it('refuses a body that is not an envelope object, and data that is not an object', () => {
    expect(failure(() => fields('[1,2]')).errors?.[0]?.path).toBe('/')
    expect(failure(() => fields(withData('[]'))).errors?.[0]?.path).toBe('/data')
  })
})

describe('surveyjs plugin: hostile bodies', () => {
  it('refuses a truncated body with 400', () => {
    expect(failure(() => fields(FIXTURE.slice(0, -3))).code).toBe('invalid-json')
  })

  it('refuses duplicate keys and prototype keys with 400 naming the key', () => {
    const dup = failure(() => fields(FIXTURE.replace('"peran":"supervisor"', '"peran":"self","peran":"supervisor"')))
    expect(dup.code).toBe('invalid-json')
    expect(dup.errors?.[0]?.path).toBe('/data/peran')
    const proto = failure(() => fields(withData('{"constructor":{"prototype":{}}}')))
    expect(proto.errors?.map((e) => e.path)).toEqual(['/data/constructor/prototype', '/data/constructor'])
  })

  it('refuses a NIP sent as a JSON number, saying to send it as a string', () => {
    const e = failure(() => fields(FIXTURE.replace('"nip_penilai":"197611042003121003"', '"nip_penilai":197611042003121003')))
    expect(e.errors).toEqual([{ path: '/data/nip_penilai', message: '197611042003121003 loses digits as a number; send it as the string "197611042003121003"' }])
  })

  it('refuses a rating of 1e309 inside a matrix, naming the row', () => {
    const e = failure(() => fields(FIXTURE.replace('"integritas":5', '"integritas":1e309')))
    expect(e.errors?.[0]?.path).toBe('/data/perilaku/integritas')
  })

  it('refuses NUL characters and lone surrogates, including inside a dynamic panel', () => {
    expect(failure(() => fields(FIXTURE.replace('Konsisten dan', 'Konsisten\\u0000dan'))).errors?.[0]?.path).toBe('/data/komentar')
    expect(failure(() => fields(FIXTURE.replace('Rekap layanan', 'Rekap \\ud83d layanan'))).errors?.[0]?.path).toBe('/data/bukti_kinerja/0/uraian')
  })

  it('keeps emoji, RTL marks, formula text and odd scores exactly as sent', () => {
    const text = '=HYPERLINK("http://x.example","klik") 👍 \u202eabc مرحبا'
    const f = fields(withData(JSON.stringify({ komentar: text, integritas: '4,5', kerja_sama: 'lima' })))
    expect(f).toEqual({ komentar: text, integritas: '4,5', kerja_sama: 'lima' })
  })
})
