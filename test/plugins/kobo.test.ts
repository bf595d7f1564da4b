import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/errors.ts'
import { koboPlugin } from '../../plugins/kobo/index.ts'
import type { Delivery } from '../../plugins/plugin.ts'
import { failure } from '../support/failure.ts'

const fixture = (name: string) => readFileSync(new URL(`../fixtures/webhooks/${name}`, import.meta.url), 'utf8')
const SECRET = 'kobo-hook:kobo_test_pw_41x'
const BASIC = 'Basic a29iby1ob29rOmtvYm9fdGVzdF9wd180MXg='

const delivery = (text: string, headers: Record<string, string> = { 'content-type': 'application/json', authorization: BASIC }): Delivery => ({
  headers,
  body: new TextEncoder().encode(text),
  text,
  url: 'https://kinerja.example.go.id/hooks/bnd_kobo',
  receivedAt: new Date('2026-03-02T02:12:00Z'),
})

/** The AppError normalise throws for `text`. */
const rejection = (text: string): AppError => failure(() => koboPlugin.normalise(delivery(text)))

const kobo1 = () => JSON.parse(fixture('kobo-1.json')) as Record<string, unknown>
/** kobo-1 with some members replaced, as Kobo's Python sender writes it. */
const kobo1With = (changes: Record<string, unknown>) => JSON.stringify({ ...kobo1(), ...changes })

describe('kobo plugin: the shared fixtures', () => {
  it('authenticates kobo-1 and kobo-2 with the test Basic auth credentials', async () => {
    for (const name of ['kobo-1.json', 'kobo-2.json']) expect(await koboPlugin.authenticate(delivery(fixture(name)), SECRET)).toBe(true)
  })

  it('normalises the self-assessment kobo-1 to its XPath fields with the values as Kobo sent them', () => {
    const n = koboPlugin.normalise(delivery(fixture('kobo-1.json')))
    expect(n.fields).toMatchObject({
      'identitas/nip_dinilai': '198503122010011001',
      'identitas/nip_penilai': '198503122010011001',
      'identitas/peran_penilai': 'self',
      'penilaian/integritas': '4',
      'penilaian/kerja_sama': '4',
      'penilaian/komunikasi': '3',
      'penilaian/orientasi_pelayanan': '5',
      'penilaian/kompetensi_menonjol': 'pelayanan_publik pengelolaan_arsip',
      _id: 48213907,
      _xform_id_string: 'aTq4Z9mYvR8sLkP2xW3nJd',
    })
    expect(n.externalId).toBe('uuid:3b0f6c2e-9d41-4a7e-8c55-1f2a7d9e4b60')
    expect(n.submittedAt).toBe('2026-03-02T02:11:58Z')
    expect(n.partial).toBeUndefined()
  })

  it('also names each question by its last segment, and gives a select_multiple as an array under <name>[]', () => {
    const { fields } = koboPlugin.normalise(delivery(fixture('kobo-1.json')))
    expect(fields.integritas).toBe('4')
    expect(fields.nip_dinilai).toBe('198503122010011001')
    expect(fields['penilaian/kompetensi_menonjol[]']).toEqual(['pelayanan_publik', 'pengelolaan_arsip'])
    expect(fields['kompetensi_menonjol[]']).toEqual(['pelayanan_publik', 'pengelolaan_arsip'])
    // Metadata keeps only its own name.
    expect(fields).not.toHaveProperty('instanceID')
    expect(fields).not.toHaveProperty('_id[]')
  })

  it('gives the kobo-2 repeat as an array of answers and as 1-based flattened fields', () => {
    const n = koboPlugin.normalise(delivery(fixture('kobo-2.json')))
    expect(n.fields['penilaian/bukti_kinerja']).toEqual([
      { uraian_bukti: 'Rekap layanan PATEN Januari-Februari 2026 (412 berkas selesai)', capaian_persen: '96', dokumen: 'rekap_paten_jan_feb_2026-13_55_21.pdf' },
      { uraian_bukti: 'Notulen rapat koordinasi dengan kelurahan', capaian_persen: '100' },
    ])
    expect(n.fields['penilaian/bukti_kinerja[1]/capaian_persen']).toBe('96')
    expect(n.fields['penilaian/bukti_kinerja[2]/capaian_persen']).toBe('100')
    expect(n.fields['penilaian/bukti_kinerja[1]/dokumen']).toBe('rekap_paten_jan_feb_2026-13_55_21.pdf')
    expect(n.fields.bukti_kinerja).toEqual(n.fields['penilaian/bukti_kinerja'])
    // A field of a repetition gets no alias: `capaian_persen` would not say which one.
    expect(n.fields).not.toHaveProperty('capaian_persen')
    expect(n.fields).toMatchObject({ 'identitas/peran_penilai': 'supervisor', 'identitas/nip_penilai': '197611042003121003', _submitted_by: 'kasi_pelayanan_plaju' })
    expect(n.submittedAt).toBe('2026-03-03T07:02:53Z')
  })

  it('keys kobo-1 and kobo-2 by asset uid and _id', () => {
    expect(koboPlugin.idempotencyKey(delivery(fixture('kobo-1.json')))).toBe('aTq4Z9mYvR8sLkP2xW3nJd:48213907')
    expect(koboPlugin.idempotencyKey(delivery(fixture('kobo-2.json')))).toBe('aTq4Z9mYvR8sLkP2xW3nJd:48214552')
  })
})

describe('kobo plugin: authentication', () => {
  const withAuth = (headers: Record<string, string>) => delivery(fixture('kobo-1.json'), headers)
  const basic = (userPass: string) => `Basic ${btoa(userPass)}`

  it('refuses a wrong password, a missing Authorization header, another scheme and broken base64', async () => {
    expect(await koboPlugin.authenticate(withAuth({ authorization: basic('kobo-hook:wrong') }), SECRET)).toBe(false)
    expect(await koboPlugin.authenticate(withAuth({}), SECRET)).toBe(false)
    expect(await koboPlugin.authenticate(withAuth({ authorization: 'Bearer kobo_test_pw_41x' }), SECRET)).toBe(false)
    expect(await koboPlugin.authenticate(withAuth({ authorization: 'Basic %%%not-base64' }), SECRET)).toBe(false)
  })

  it('accepts the scheme name in any case, as RFC 7617 allows', async () => {
    expect(await koboPlugin.authenticate(withAuth({ authorization: BASIC.replace('Basic', 'basic') }), SECRET)).toBe(true)
  })

  it('accepts a password with non-ASCII letters whether sent as Latin-1 (Kobo) or UTF-8', async () => {
    const latin1 = `Basic ${btoa('kobo-hook:kata-sandi-\u00e9')}`
    const utf8 = `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode('kobo-hook:kata-sandi-\u00e9')))}`
    expect(await koboPlugin.authenticate(withAuth({ authorization: latin1 }), 'kobo-hook:kata-sandi-\u00e9')).toBe(true)
    expect(await koboPlugin.authenticate(withAuth({ authorization: utf8 }), 'kobo-hook:kata-sandi-\u00e9')).toBe(true)
  })

  it('checks a custom X-Api-Key header given as header:X-Api-Key:<value>', async () => {
    const secret = 'header:X-Api-Key:4f9c0b7e2a'
    expect(await koboPlugin.authenticate(withAuth({ 'x-api-key': '4f9c0b7e2a' }), secret)).toBe(true)
    expect(await koboPlugin.authenticate(withAuth({ 'x-api-key': '4f9c0b7e2b' }), secret)).toBe(false)
    expect(await koboPlugin.authenticate(withAuth({ authorization: BASIC }), secret)).toBe(false)
  })

  it('requires every part of a secret that combines Basic auth and a header', async () => {
    const secret = `${SECRET} header:X-Api-Key:4f9c0b7e2a`
    expect(await koboPlugin.authenticate(withAuth({ authorization: BASIC, 'x-api-key': '4f9c0b7e2a' }), secret)).toBe(true)
    expect(await koboPlugin.authenticate(withAuth({ authorization: BASIC }), secret)).toBe(false)
    expect(await koboPlugin.authenticate(withAuth({ 'x-api-key': '4f9c0b7e2a' }), secret)).toBe(false)
  })

  it('takes a bare generated secret as the value of X-Api-Key', async () => {
    const secret = 'whs_Qm9vdGggYmFzZTY0dXJsIHNlY3JldA'
    expect(await koboPlugin.authenticate(withAuth({ 'x-api-key': secret }), secret)).toBe(true)
    expect(await koboPlugin.authenticate(withAuth({ authorization: `Basic ${btoa(`x:${secret}`)}` }), secret)).toBe(false)
  })

  it('refuses a custom header whose value receipts would store unredacted', async () => {
    expect(await koboPlugin.authenticate(withAuth({ 'x-custom': 'abc' }), 'header:X-Custom:abc')).toBe(false)
    expect(koboPlugin.secretHeaders).toEqual(expect.arrayContaining(['authorization', 'x-api-key']))
  })

  it('returns false, never throws, for unusable secrets', async () => {
    for (const secret of ['', '   ', ':', 'user:', ':pw', 'header:', 'header:X-Api-Key:', 'header:X-Api-Key']) {
      expect(await koboPlugin.authenticate(withAuth({ authorization: BASIC, 'x-api-key': '' }), secret)).toBe(false)
    }
  })
})

describe('kobo plugin: retries, edits and subsets', () => {
  it('gives a byte-identical retry the same idempotency key', () => {
    const text = fixture('kobo-2.json')
    expect(koboPlugin.idempotencyKey(delivery(text))).toBe(koboPlugin.idempotencyKey(delivery(text)))
  })

  it('keeps the key and externalId of an edit (new _uuid and instanceID, same _id and rootUuid) so it replaces the original', () => {
    const edit = delivery(fixture('hostile/kobo-edit.json'))
    const original = delivery(fixture('kobo-1.json'))
    expect(koboPlugin.idempotencyKey(edit)).toBe(koboPlugin.idempotencyKey(original))
    const n = koboPlugin.normalise(edit)
    expect(n.externalId).toBe(koboPlugin.normalise(original).externalId)
    expect(n.fields['penilaian/integritas']).toBe('5')
    expect(n.fields['meta/deprecatedID']).toBe('uuid:3b0f6c2e-9d41-4a7e-8c55-1f2a7d9e4b60')
  })

  it('falls back to asset uid + meta/rootUuid without _id, and never uses _uuid', () => {
    const { _id, ...noId } = kobo1()
    expect(koboPlugin.idempotencyKey(delivery(JSON.stringify(noId)))).toBe('aTq4Z9mYvR8sLkP2xW3nJd:uuid:3b0f6c2e-9d41-4a7e-8c55-1f2a7d9e4b60')
    const onlyUuid = JSON.stringify({ _uuid: '3b0f6c2e-9d41-4a7e-8c55-1f2a7d9e4b60', 'penilaian/integritas': '4' })
    expect(koboPlugin.idempotencyKey(delivery(onlyUuid))).toBeUndefined()
    expect(koboPlugin.normalise(delivery(onlyUuid)).externalId).toBeUndefined()
  })

  it('accepts a "subset of fields" payload without metadata, keyed by the body hash', () => {
    const subset = JSON.stringify({ 'identitas/nip_dinilai': '198503122010011001', 'identitas/nip_penilai': '198503122010011001', 'penilaian/integritas': '4' })
    expect(koboPlugin.idempotencyKey(delivery(subset))).toBeUndefined()
    const n = koboPlugin.normalise(delivery(subset))
    expect(n.fields).toMatchObject({ 'penilaian/integritas': '4', integritas: '4', nip_dinilai: '198503122010011001' })
    expect(n.externalId).toBeUndefined()
    expect(n.submittedAt).toBeUndefined()
  })

  it('uses _id as externalId when a subset lists _id but not meta/rootUuid', () => {
    const subset = JSON.stringify({ _id: 48213907, 'penilaian/integritas': '4' })
    expect(koboPlugin.normalise(delivery(subset)).externalId).toBe('48213907')
    expect(koboPlugin.idempotencyKey(delivery(subset))).toBe('48213907')
  })
})

describe('kobo plugin: payload_template wrappers', () => {
  const wrapped = (extra: Record<string, unknown> = {}) => JSON.stringify({ sumber: 'kobo', peran: 'self', submission: kobo1(), ...extra })

  it('unwraps the one member that is a submission and keeps the wrapper constants as fields', () => {
    const n = koboPlugin.normalise(delivery(wrapped()))
    expect(n.fields).toMatchObject({ sumber: 'kobo', peran: 'self', 'penilaian/integritas': '4', integritas: '4' })
    expect(n.externalId).toBe('uuid:3b0f6c2e-9d41-4a7e-8c55-1f2a7d9e4b60')
    expect(n.submittedAt).toBe('2026-03-02T02:11:58Z')
    expect(koboPlugin.idempotencyKey(delivery(wrapped()))).toBe('aTq4Z9mYvR8sLkP2xW3nJd:48213907')
  })

  it('refuses a wrapper with two submission-like members, naming both', () => {
    const e = rejection(wrapped({ salinan: kobo1() }))
    expect(e.status).toBe(422)
    expect(e.errors?.map((f) => f.path)).toEqual(['/submission', '/salinan'])
    expect(koboPlugin.idempotencyKey(delivery(wrapped({ salinan: kobo1() })))).toBeUndefined()
  })
})

describe('kobo plugin: hostile payloads', () => {
  it('reads the body, not Content-Type, which a custom header can override', () => {
    const text = fixture('kobo-1.json')
    const n = koboPlugin.normalise(delivery(text, { 'content-type': 'text/plain', authorization: BASIC }))
    expect(n.fields['penilaian/integritas']).toBe('4')
  })

  it('rejects a truncated body with 400 and where it ends', () => {
    const text = fixture('kobo-1.json')
    const e = rejection(text.slice(0, text.indexOf('"penilaian/komentar"') + 30))
    expect(e.code).toBe('invalid-json')
    expect(e.status).toBe(400)
    expect(e.errors?.[0]?.path).toBe('/penilaian~1komentar')
    expect(e.errors?.[0]?.message).toMatch(/unterminated string.*line 1, column/)
  })

  it('rejects a duplicate answer key, which would hide one of two answers', () => {
    const text = fixture('kobo-1.json').replace('"penilaian/integritas": "4"', '"penilaian/integritas": "4", "penilaian/integritas": "1"')
    const e = rejection(text)
    expect(e.status).toBe(400)
    expect(e.errors).toEqual([expect.objectContaining({ path: '/penilaian~1integritas', message: expect.stringContaining("duplicate key 'penilaian/integritas'") })])
  })

  it('rejects __proto__ and constructor, as whole keys and as the last segment of a path', () => {
    expect(rejection(kobo1With({}).replace('{', '{"__proto__": {"x": 1}, ')).errors?.[0]?.path).toBe('/__proto__')
    const e = rejection(kobo1With({ 'penilaian/constructor': '4' }))
    expect(e.status).toBe(422)
    expect(e.errors).toEqual([expect.objectContaining({ path: '/penilaian~1constructor' })])
  })

  it('rejects a NIP sent as a JSON number, asking for a string', () => {
    const text = fixture('kobo-1.json').replace('"identitas/nip_dinilai": "198503122010011001"', '"identitas/nip_dinilai": 198503122010011001')
    const e = rejection(text)
    expect(e.code).toBe('validation-failed')
    expect(e.status).toBe(422)
    expect(e.errors).toEqual([{ path: '/identitas~1nip_dinilai', message: expect.stringContaining('send it as the string "198503122010011001"') }])
  })

  it('rejects a score of 1e309, which no number can hold', () => {
    const e = rejection(fixture('kobo-1.json').replace('"penilaian/integritas": "4"', '"penilaian/integritas": 1e309'))
    expect(e.status).toBe(422)
    expect(e.errors?.[0]?.path).toBe('/penilaian~1integritas')
  })

  it('rejects NUL characters and lone surrogates in text, naming the field', () => {
    const nul = rejection(fixture('kobo-1.json').replace('Saya berusaha', 'Saya\\u0000 berusaha'))
    expect(nul.status).toBe(422)
    expect(nul.errors).toEqual([{ path: '/penilaian~1komentar', message: expect.stringContaining('NUL') }])
    const lone = rejection(fixture('kobo-1.json').replace('Saya berusaha', 'Saya \\ud83d berusaha'))
    expect(lone.errors).toEqual([{ path: '/penilaian~1komentar', message: expect.stringContaining('lone UTF-16 surrogate') }])
  })

  it('rejects a body that is not an object', () => {
    const e = rejection(`[${fixture('kobo-1.json')}]`)
    expect(e.status).toBe(422)
    expect(e.errors?.[0]?.path).toBe('/')
  })

  it('keeps as sent what only the form can judge: NIPs with spaces, "4,5", "lima", arrays, formulas, emoji, RTL marks', () => {
    const text = kobo1With({
      'identitas/nip_penilai': '19850312 201001 1 001',
      'penilaian/integritas': '4,5',
      'penilaian/kerja_sama': 'lima',
      'penilaian/komunikasi': ['3'],
      'penilaian/komentar': '=IMPORTXML("http://x.example","//a")',
      'penilaian/catatan': 'Mantap \ud83d\udc4d \u202eabc',
    })
    // Kobo's sender (Python json.dumps) escapes everything beyond ASCII.
    const escaped = text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    expect(escaped).toContain('\\ud83d\\udc4d')
    const { fields } = koboPlugin.normalise(delivery(escaped))
    expect(fields).toMatchObject({
      'identitas/nip_penilai': '19850312 201001 1 001',
      'penilaian/integritas': '4,5',
      'penilaian/kerja_sama': 'lima',
      'penilaian/komunikasi': ['3'],
      'penilaian/komentar': '=IMPORTXML("http://x.example","//a")',
      'penilaian/catatan': 'Mantap \u{1F44D} \u202eabc',
    })
  })
})
