import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { isAppError, type AppError } from '../../src/errors.ts'
import { jotformPlugin } from '../../plugins/jotform/index.ts'
import type { Delivery } from '../../plugins/plugin.ts'
import { failure } from '../support/failure.ts'

const FIXTURE = readFileSync(new URL('../fixtures/webhooks/jotform-1.txt', import.meta.url), 'utf8')
const BOUNDARY = FIXTURE.slice(2, FIXTURE.indexOf('\r\n'))
const TOKEN = 'jf_test_8c1d4e'
const HOOK = 'https://penilaian.plaju.example.go.id/hooks/bnd_h7k2m9q4x8zt'
const RAW = /name="rawRequest"\r\n\r\n([^\r\n]*)\r\n/.exec(FIXTURE)![1]!
const COMMENT = 'Saya sudah menata ulang alur antrean loket agar warga tidak menunggu lama. Saya perlu belajar menyusun laporan kinerja yang lebih singkat.'

const delivery = (text = FIXTURE, opts: { contentType?: string | null; url?: string } = {}): Delivery => ({
  headers: opts.contentType === null ? {} : { 'content-type': opts.contentType ?? `multipart/form-data; boundary=${BOUNDARY}` },
  body: new TextEncoder().encode(text),
  text,
  url: opts.url ?? `${HOOK}?token=${TOKEN}`,
  receivedAt: new Date('2026-03-02T02:48:23Z'),
})

/** The fixture with its rawRequest JSON replaced. */
const withRaw = (raw: string) => FIXTURE.replace(RAW, () => raw)
/** The fixture's rawRequest with one more answer (or a replaced one) spliced in before `"timeToSubmit"`. */
const withAnswer = (member: string) => withRaw(RAW.replace('"timeToSubmit"', () => `${member},"timeToSubmit"`))
const part = (name: string, value: string, boundary = BOUNDARY) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
const close = (boundary = BOUNDARY) => `--${boundary}--\r\n`

const fields = (text: string) => jotformPlugin.normalise(delivery(text)).fields


describe('jotform plugin: authentication by URL token', () => {
  it('authenticates the fixture by the token in its hook URL', async () => {
    expect(await jotformPlugin.authenticate(delivery(), TOKEN)).toBe(true)
    expect(jotformPlugin.secretKind).toBe('url-token')
  })

  it('refuses a wrong token, a missing token, a repeated token and an empty secret', async () => {
    expect(await jotformPlugin.authenticate(delivery(), 'jf_test_8c1d4f')).toBe(false)
    expect(await jotformPlugin.authenticate(delivery(FIXTURE, { url: HOOK }), TOKEN)).toBe(false)
    expect(await jotformPlugin.authenticate(delivery(FIXTURE, { url: `${HOOK}?token=${TOKEN}&token=other` }), TOKEN)).toBe(false)
    expect(await jotformPlugin.authenticate(delivery(FIXTURE, { url: `${HOOK}?token=` }), '')).toBe(false)
  })

  it('does not take the token from the body, where Jotform echoes it for anyone who can forge a body', async () => {
    expect(FIXTURE).toContain(`token=${TOKEN}`)
    expect(await jotformPlugin.authenticate(delivery(FIXTURE, { url: `${HOOK}?t=1` }), TOKEN)).toBe(false)
  })

  it('answers false rather than throwing when the URL is unusable', async () => {
    expect(await jotformPlugin.authenticate(delivery(FIXTURE, { url: '' }), TOKEN)).toBe(false)
    expect(await jotformPlugin.authenticate(delivery(FIXTURE, { url: 'not a url' }), TOKEN)).toBe(false)
  })
})

describe('jotform plugin: redaction', () => {
  it('blanks the token that the webhookURL part echoes, so listed receipts never show it', () => {
    const shown = jotformPlugin.redactBody!(FIXTURE, TOKEN)
    expect(shown).not.toContain(TOKEN)
    expect(shown).toContain('https://penilaian.plaju.example.go.id/hooks/jotform?token=[redacted]')
    expect(shown.length).toBeLessThan(FIXTURE.length)
    expect(jotformPlugin.secretHeaders).toEqual([])
  })

  it('blanks an older token after the secret was rotated, and the secret in escaped forms', () => {
    const old = FIXTURE.replace(TOKEN, 'jf_previous_secret')
    expect(jotformPlugin.redactBody!(old, TOKEN)).not.toContain('jf_previous_secret')
    const escaped = jotformPlugin.redactBody!('{"u":"https:\\/\\/x\\/?a=1","s":"ab\\/cd"}', 'ab/cd')
    expect(escaped).not.toContain('ab\\/cd')
  })
})

describe('jotform plugin: idempotency', () => {
  it('keys a submission by its submissionID, the same for a byte-identical retry', () => {
    expect(jotformPlugin.idempotencyKey(delivery())).toBe('6167401782218834105')
    expect(jotformPlugin.idempotencyKey(delivery(FIXTURE.slice(0)))).toBe('6167401782218834105')
  })

  it('has no key when the submissionID part is missing or the body is not multipart', () => {
    expect(jotformPlugin.idempotencyKey(delivery(part('rawRequest', '{}') + close()))).toBeUndefined()
    expect(jotformPlugin.idempotencyKey(delivery('{"submissionID":"1"}'))).toBeUndefined()
  })
})

describe('jotform plugin: normalising the fixture', () => {
  it('gives each answer under its q<n>_<name> key and its bare unique name, as strings', () => {
    const { fields, externalId, submittedAt, partial } = jotformPlugin.normalise(delivery())
    expect(fields).toEqual({
      q3_namaLengkap: 'Rahmat Hidayat', 'q3_namaLengkap.first': 'Rahmat', 'q3_namaLengkap.last': 'Hidayat',
      namaLengkap: 'Rahmat Hidayat', 'namaLengkap.first': 'Rahmat', 'namaLengkap.last': 'Hidayat',
      q4_nomorInduk: '198503122010011001', nomorInduk: '198503122010011001',
      q5_peranAnda: 'Diri sendiri', peranAnda: 'Diri sendiri',
      q6_nipAnda: '198503122010011001', nipAnda: '198503122010011001',
      q7_integritas: '4', integritas: '4',
      q8_kerjaSama: '4', kerjaSama: '4',
      q9_komunikasi: '3', komunikasi: '3',
      q10_orientasiPelayanan: '5', orientasiPelayanan: '5',
      q11_komentarDan: COMMENT, komentarDan: COMMENT,
    })
    expect(externalId).toBe('6167401782218834105')
    expect(submittedAt).toBeUndefined()
    expect(partial).toBeUndefined()
  })

  it('leaves out Jotform bookkeeping and never reads the ambiguous pretty part', () => {
    const misleading = FIXTURE.replace('Integritas:4,', () => 'Integritas:1, slug:x,')
    const f = fields(misleading)
    expect(f.integritas).toBe('4')
    for (const key of ['slug', 'jsExecutionTracker', 'timeToSubmit', 'event_id', 'path', 'pretty', 'Integritas']) expect(f).not.toHaveProperty(key)
  })

  it('accepts a quoted boundary in the Content-Type', () => {
    const d = delivery(FIXTURE, { contentType: `Multipart/Form-Data; charset=utf-8; boundary="${BOUNDARY}"` })
    expect(jotformPlugin.normalise(d).fields.nomorInduk).toBe('198503122010011001')
  })
})

describe('jotform plugin: answer types', () => {
  it('turns a date into YYYY-MM-DD and leaves an unanswered date out', () => {
    const f = fields(withAnswer('"q12_tanggalMulai":{"day":"5","month":"3","year":"2026"},"q13_tanggalSelesai":{"day":"","month":"","year":""}'))
    expect(f.q12_tanggalMulai).toBe('2026-03-05')
    expect(f.tanggalMulai).toBe('2026-03-05')
    expect(f).not.toHaveProperty('tanggalSelesai')
  })

  it('refuses a date that is not in the calendar, naming the question', () => {
    const e = failure(() => fields(withAnswer('"q12_tanggalMulai":{"day":"31","month":"02","year":"2026"}')))
    expect(e.status).toBe(422)
    expect(e.errors).toEqual([{ path: '/rawRequest/q12_tanggalMulai', message: '2026-02-31 is not a date in the calendar' }])
  })

  it('keeps checkboxes as arrays and spreads other objects into <name>.<part>', () => {
    const f = fields(withAnswer('"q12_kompetensi":["Pelayanan publik","Kerja sama tim"],"q13_alamat":{"addr_line1":"Jl. Kapten Abdullah","city":"Palembang"}'))
    expect(f.kompetensi).toEqual(['Pelayanan publik', 'Kerja sama tim'])
    expect(f['alamat.city']).toBe('Palembang')
    expect(f['q13_alamat.addr_line1']).toBe('Jl. Kapten Abdullah')
  })

  it('lets the bare upload list (URLs) win over the alias of its q<n>_ key', () => {
    const f = fields(withAnswer('"q12_bukti":["laporan.pdf"],"bukti":["https:\\/\\/www.jotform.com\\/uploads\\/laporan.pdf"]'))
    expect(f.bukti).toEqual(['https://www.jotform.com/uploads/laporan.pdf'])
    expect(f.q12_bukti).toEqual(['laporan.pdf'])
  })

  it('keeps emoji, RTL marks and formula text exactly as sent (PHP \\u escapes decoded)', () => {
    const comment = '"q11_komentarDan":"=IMPORTXML(\\"http:\\/\\/x.example\\") \\ud83d\\udc4d \\u202eabc \\u0645\\u0631\\u062d\\u0628\\u0627"'
    const f = fields(withRaw(RAW.replace(/"q11_komentarDan":"[^"]*"/, () => comment)))
    expect(f.komentarDan).toBe('=IMPORTXML("http://x.example") 👍 \u202eabc مرحبا')
  })

  it('keeps scores as the strings Jotform sends, for the intake to check against the form', () => {
    const f = fields(withRaw(RAW.replace('"q7_integritas":"4"', '"q7_integritas":"4,5"').replace('"q8_kerjaSama":"4"', '"q8_kerjaSama":"lima"')))
    expect([f.integritas, f.kerjaSama]).toEqual(['4,5', 'lima'])
  })
})

describe('jotform plugin: hostile bodies', () => {
  it('refuses a part sent twice, naming it (which copy to believe is the attacker\'s choice)', () => {
    const twice = FIXTURE.replace(close(), () => part('rawRequest', RAW.replace('"4"', '"5"')) + close())
    const e = failure(() => fields(twice))
    expect(e.status).toBe(422)
    expect(e.errors).toEqual([{ path: '/rawRequest', message: "the part 'rawRequest' is sent 2 times; send it once" }])
    const ids = FIXTURE.replace(close(), () => part('submissionID', '1') + close())
    expect(failure(() => fields(ids)).errors?.[0]?.path).toBe('/submissionID')
  })

  it('refuses a truncated body with 400, naming the part it ends in', () => {
    expect(failure(() => fields(FIXTURE.slice(0, Math.floor(FIXTURE.length / 2)))).errors?.[0]?.path).toBe('/rawRequest')
    for (const cut of [FIXTURE.slice(0, Math.floor(FIXTURE.length / 2)), FIXTURE.slice(0, FIXTURE.length - close().length), FIXTURE.slice(0, -4)]) {
      const e = failure(() => fields(cut))
      expect(e.status).toBe(400)
      expect(e.detail).toMatch(/truncated|closing boundary/)
    }
  })

  it('refuses a missing or odd boundary with 400 and a content type that is not multipart with 415', () => {
    expect(failure(() => jotformPlugin.normalise(delivery(FIXTURE, { contentType: 'multipart/form-data' }))).status).toBe(400)
    expect(failure(() => jotformPlugin.normalise(delivery(FIXTURE, { contentType: `multipart/form-data; boundary=${'x'.repeat(71)}` }))).status).toBe(400)
    expect(failure(() => jotformPlugin.normalise(delivery(FIXTURE, { contentType: 'multipart/form-data; boundary=abc; boundary=def' }))).status).toBe(400)
    expect(failure(() => jotformPlugin.normalise(delivery(FIXTURE, { contentType: 'multipart/form-data; boundary=other' }))).status).toBe(400)
    // A custom header that overrides Content-Type: the body is not read as something else.
    expect(failure(() => jotformPlugin.normalise(delivery(FIXTURE, { contentType: 'application/json' }))).status).toBe(415)
    expect(failure(() => jotformPlugin.normalise(delivery(FIXTURE, { contentType: null }))).status).toBe(415)
  })

  it('refuses bare LF line ends, text after the closing boundary and a part without a name', () => {
    expect(failure(() => fields(FIXTURE.replace(/\r\n/g, '\n'))).status).toBe(400)
    expect(failure(() => fields(FIXTURE + part('smuggled', 'x'))).detail).toMatch(/after the closing boundary/)
    const nameless = FIXTURE.replace('name="ip"', 'filename="ip.txt"')
    expect(failure(() => fields(nameless)).errors).toEqual([{ path: 'part 23', message: 'part 23: the part has no name' }])
  })

  it('refuses a missing rawRequest part and a rawRequest that is not an object', () => {
    expect(failure(() => fields(part('submissionID', '1') + close())).errors?.[0]?.path).toBe('/rawRequest')
    expect(failure(() => fields(withRaw('["4"]'))).errors?.[0]?.path).toBe('/rawRequest')
  })

  it('refuses duplicate keys and prototype keys inside rawRequest with 400 naming the key', () => {
    const dup = failure(() => fields(withAnswer('"q7_integritas":"5"')))
    expect(dup.code).toBe('invalid-json')
    expect(dup.errors?.[0]?.path).toBe('/rawRequest/q7_integritas')
    for (const key of ['__proto__', 'constructor']) {
      const e = failure(() => fields(withAnswer(`"${key}":{"admin":true}`)))
      expect(e.status).toBe(400)
      expect(e.errors?.[0]?.path).toBe(`/rawRequest/${key}`)
    }
    expect(failure(() => fields(withAnswer('"q99_constructor":"x"'))).errors?.[0]?.path).toBe('/rawRequest/q99_constructor')
  })

  it('refuses a NIP sent as a JSON number, saying to send it as a string', () => {
    const e = failure(() => fields(withRaw(RAW.replace('"q4_nomorInduk":"198503122010011001"', '"q4_nomorInduk":198503122010011001'))))
    expect(e.status).toBe(422)
    expect(e.errors).toEqual([{ path: '/rawRequest/q4_nomorInduk', message: '198503122010011001 loses digits as a number; send it as the string "198503122010011001"' }])
  })

  it('refuses NUL characters and lone surrogates in answers, naming the question', () => {
    const nul = failure(() => fields(withRaw(RAW.replace('menata ulang', 'menata\\u0000ulang'))))
    expect(nul.status).toBe(422)
    expect(nul.errors?.[0]?.path).toBe('/rawRequest/q11_komentarDan')
    const half = failure(() => fields(withRaw(RAW.replace('menata ulang', 'menata \\ud83d ulang'))))
    expect(half.errors?.[0]).toMatchObject({ path: '/rawRequest/q11_komentarDan', message: expect.stringMatching(/lone surrogate/) })
  })

  it('refuses truncated rawRequest JSON with 400', () => {
    const e = failure(() => fields(withRaw(RAW.slice(0, 200))))
    expect(e.code).toBe('invalid-json')
  })

  it('refuses two questions with the same unique name instead of guessing which is meant', () => {
    const e = failure(() => fields(withAnswer('"q70_integritas":"1"')))
    expect(e.status).toBe(422)
    expect(e.errors?.[0]?.path).toBe('/rawRequest/q70_integritas')
  })
})
