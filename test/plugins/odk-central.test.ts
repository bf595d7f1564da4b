import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/errors.ts'
import { hmacSha256Hex } from '../../src/util/crypto.ts'
import { odkCentralPlugin, signedDeliveryHeaders } from '../../plugins/odk-central/index.ts'
import { buildSubmissionsUrl, parseSubmissionsPage, pollOnce } from '../../plugins/odk-central/odata.ts'
import type { Delivery } from '../../plugins/plugin.ts'

const read = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8')
const SERVER = 'https://odk.plaju.example.go.id'
const FORM = { base: SERVER, projectId: 3, formId: 'penilaian_perilaku_2026' }
const SECRET = 'hr.plaju@example.go.id:kata-sandi-central'

const A = 'uuid:4d1a8f62-e30b-4c97-a5f1-2b7e9c0d3846'
const B = 'uuid:8b6e2f10-3c7d-4a95-b2e4-6d1f0a9c5e73'
const C = 'uuid:e5c3a7d9-1f2b-4c8e-9a60-7b4d2e8f1c05'

/** A fake Central: serves page texts by URL and records what was asked. */
function central(pages: Record<string, string | Error>) {
  const asked: string[] = []
  const fetchJson = async (url: string) => {
    asked.push(url)
    const page = pages[url]
    if (page === undefined) throw new Error(`unexpected request ${url}`)
    if (page instanceof Error) throw page
    return page
  }
  return { fetchJson, asked }
}

const firstPoll = () => {
  const first = buildSubmissionsUrl(SERVER, 3, 'penilaian_perilaku_2026', '', 2)
  const page1 = read('odk-central/poll-1-page-1.json')
  return { first, page1, next: JSON.parse(page1)['@odata.nextLink'] as string, page2: read('odk-central/poll-1-page-2.json') }
}

async function signed(text: string, secret = SECRET): Promise<Delivery> {
  return { headers: await signedDeliveryHeaders(secret, text), body: new TextEncoder().encode(text), text, url: '', receivedAt: new Date('2026-03-05T02:00:00Z') }
}

describe('ODK Central: reading an OData page', () => {
  it('flattens the nested groups of odk-central-1 to slash paths and keeps Central\'s types', () => {
    const page = parseSubmissionsPage(read('webhooks/odk-central-1.json'))
    expect(page.submissions).toHaveLength(1)
    const [n] = page.submissions
    expect(n?.fields).toMatchObject({
      'identitas/nip_dinilai': '198503122010011001',
      'identitas/nip_penilai': '199204182019031004',
      'identitas/peran_penilai': 'peer',
      'penilaian/integritas': '4',
      'penilaian/komunikasi': '5',
      'penilaian/lama_mengamati_bulan': 6,
      'penilaian/kompetensi_menonjol': 'pelayanan_publik kolaborasi',
      'penilaian/kompetensi_menonjol[]': ['pelayanan_publik', 'kolaborasi'],
      integritas: '4',
      lama_mengamati_bulan: 6,
      'meta/instanceID': A,
      '__system/submitterId': '41',
    })
    expect(n?.externalId).toBe(A)
    expect(n?.submittedAt).toBe('2026-03-02T04:05:51.238Z')
  })

  it('drops the navigation link of a repeat that was not expanded: it is not an answer', () => {
    const [n] = parseSubmissionsPage(read('webhooks/odk-central-1.json')).submissions
    expect(Object.keys(n?.fields ?? {}).filter((k) => k.includes('bukti_kinerja'))).toEqual([])
  })

  it('returns the next link and a cursor at the latest change on the page', () => {
    const page = parseSubmissionsPage(read('webhooks/odk-central-1.json'))
    expect(page.nextLink).toMatch(/^https:\/\/odk\.plaju\.example\.go\.id\/v1\/projects\/3\/forms\/penilaian_perilaku_2026\.svc\/Submissions\?.*%24skiptoken=/)
    expect(page.cursor).toBe(`2026-03-02T04:05:51.238Z;${A}`)
  })

  it('gives an expanded repeat as an array and as 1-based fields, without OData join ids', () => {
    const page = parseSubmissionsPage(read('odk-central/poll-1-page-2.json'))
    const fields = page.submissions[0]?.fields ?? {}
    expect(fields['penilaian/bukti_kinerja']).toEqual([
      { uraian_bukti: 'Rekap layanan PATEN Februari 2026', capaian_persen: 96 },
      { uraian_bukti: 'Notulen rapat koordinasi kelurahan', capaian_persen: 100 },
    ])
    expect(fields['penilaian/bukti_kinerja[2]/capaian_persen']).toBe(100)
    expect(Object.keys(fields).filter((k) => k.includes('__Submissions'))).toEqual([])
  })

  it('still delivers a submission that cannot be normalised, with its error, and moves past it', () => {
    const text = read('odk-central/poll-1-page-2.json').replace('"nip_dinilai":"198503122010011001"', '"nip_dinilai":198503122010011001')
    const page = parseSubmissionsPage(text)
    expect(page.submissions).toEqual([])
    expect(page.polled[0]?.id).toBe(A)
    expect(page.polled[0]?.error).toBeInstanceOf(AppError)
    expect(page.polled[0]?.error?.errors?.[0]).toMatchObject({ path: '/identitas/nip_dinilai', message: expect.stringContaining('loses digits') })
    expect(page.polled[0]?.error?.detail).toContain('text question')
    expect(page.cursor).toBe(`2026-03-02T04:05:51.238Z;${A}`)
  })

  it('refuses a response that is not a page of submissions', () => {
    expect(() => parseSubmissionsPage('<html>login</html>')).toThrow(AppError)
    expect(() => parseSubmissionsPage({ message: 'Could not authenticate' })).toThrow(/not answer with a page of submissions/)
  })
})

describe('ODK Central: the request URL', () => {
  it('asks for every submission on the first poll, repeats expanded', () => {
    expect(buildSubmissionsUrl(`${SERVER}/`, 3, 'penilaian_perilaku_2026', undefined, 100)).toBe(
      `${SERVER}/v1/projects/3/forms/penilaian_perilaku_2026.svc/Submissions?$expand=*&$top=100`,
    )
  })

  it('filters on submissionDate or updatedAt after the cursor, so new and edited submissions both come', () => {
    const url = buildSubmissionsUrl(`${SERVER}/v1`, '3', 'penilaian_perilaku_2026', `2026-03-04T02:15:09.877Z;${C}`)
    const filter = new URL(url).searchParams.get('$filter')
    expect(filter).toBe('__system/submissionDate gt 2026-03-04T02:15:09.877Z or __system/updatedAt gt 2026-03-04T02:15:09.877Z')
    // Central answers 501 to $orderby with the $skiptoken its next link adds.
    expect(new URL(url).searchParams.has('$orderby')).toBe(false)
    expect(new URL(url).searchParams.has('$top')).toBe(false)
  })

  it('refuses plain http (the password goes with every request), a bad project, a bad page size and a bad cursor', () => {
    const path = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        return (e as AppError).errors?.[0]?.path
      }
    }
    expect(path(() => buildSubmissionsUrl('http://odk.plaju.example.go.id', 3, 'f'))).toBe('/base')
    expect(buildSubmissionsUrl('http://localhost:8383', 3, 'f')).toBe('http://localhost:8383/v1/projects/3/forms/f.svc/Submissions?$expand=*')
    expect(path(() => buildSubmissionsUrl(SERVER, '3 or 1', 'f'))).toBe('/projectId')
    expect(path(() => buildSubmissionsUrl(SERVER, 3, 'f', undefined, 0))).toBe('/top')
    expect(path(() => buildSubmissionsUrl(SERVER, 3, 'f', '2026-03-04 or 1 eq 1'))).toBe('/cursor')
  })
})

describe('ODK Central: polling', () => {
  it('follows the next link across two pages and returns every submission, earliest change first', async () => {
    const { first, page1, next, page2 } = firstPoll()
    const fake = central({ [first]: page1, [next]: page2 })
    const result = await pollOnce({ ...FORM, fetchJson: fake.fetchJson, cursor: '', top: 2 })
    expect(fake.asked).toEqual([first, next])
    expect(result.pages).toBe(2)
    expect(result.submissions.map((s) => s.externalId)).toEqual([A, B, C])
    expect(result.submissions.map((s) => s.fields['identitas/peran_penilai'])).toEqual(['self', 'peer', 'supervisor'])
    expect(result.cursor).toBe(`2026-03-04T02:15:09.877Z;${C}`)
  })

  it('resumes from the stored cursor with only what changed: the edit, not the submission at the cursor again', async () => {
    const { first, page1, next, page2 } = firstPoll()
    const stored = (await pollOnce({ ...FORM, fetchJson: central({ [first]: page1, [next]: page2 }).fetchJson, top: 2 })).cursor

    const resume = buildSubmissionsUrl(SERVER, 3, 'penilaian_perilaku_2026', stored, 2)
    const fake = central({ [resume]: read('odk-central/poll-2.json') })
    const result = await pollOnce({ ...FORM, fetchJson: fake.fetchJson, cursor: stored, top: 2 })
    expect(fake.asked).toEqual([resume])
    expect(result.submissions).toHaveLength(1)
    const [edit] = result.submissions
    expect(edit?.externalId).toBe(B)
    expect(edit?.fields['penilaian/integritas']).toBe('3')
    expect(edit?.fields['meta/deprecatedID']).toBe(B)
    expect(edit?.submittedAt).toBe('2026-03-03T07:02:53.101Z')
    expect(result.cursor).toBe(`2026-03-05T01:20:44.512Z;${B}`)
  })

  it('leaves the cursor where it was when a page fails, so the next poll skips nothing', async () => {
    const { first, page1, next, page2 } = firstPoll()
    const failing = central({ [first]: page1, [next]: new Error('socket hang up') })
    await expect(pollOnce({ ...FORM, fetchJson: failing.fetchJson, top: 2 })).rejects.toThrow('socket hang up')
    const again = await pollOnce({ ...FORM, fetchJson: central({ [first]: page1, [next]: page2 }).fetchJson, top: 2 })
    expect(again.submissions.map((s) => s.externalId)).toEqual([A, B, C])
  })

  it('delivers an edit made while the poll runs once, in its latest version', async () => {
    const { first, page1, next } = firstPoll()
    const editedB = JSON.parse(read('odk-central/poll-2.json')).value[1]
    const page2 = JSON.stringify({ value: [editedB, JSON.parse(read('odk-central/poll-1-page-2.json')).value[0]] })
    const result = await pollOnce({ ...FORM, fetchJson: central({ [first]: page1, [next]: page2 }).fetchJson, top: 2 })
    expect(result.submissions.map((s) => s.externalId)).toEqual([A, C, B])
    expect(result.submissions[2]?.fields['penilaian/integritas']).toBe('3')
  })

  it('refuses a next link to another server, which would receive the credentials', async () => {
    const { first, page1, next } = firstPoll()
    const evil = page1.replace(next, next.replace(SERVER, 'https://evil.example.com'))
    await expect(pollOnce({ ...FORM, fetchJson: central({ [first]: evil }).fetchJson, top: 2 })).rejects.toThrow(/another server/)
  })

  it('refuses a next link that loops back to a page already fetched', async () => {
    const { first, page1, next } = firstPoll()
    const loop = page1.replace(next, first)
    await expect(pollOnce({ ...FORM, fetchJson: central({ [first]: loop }).fetchJson, top: 2 })).rejects.toThrow(/loops/)
  })
})

describe('ODK Central: deliveries to the intake', () => {
  it('authenticates a body the poller signed with the binding secret, and nothing else', async () => {
    const { body } = parseSubmissionsPage(read('webhooks/odk-central-1.json')).polled[0]!
    expect(await odkCentralPlugin.authenticate(await signed(body), SECRET)).toBe(true)
    expect(await odkCentralPlugin.authenticate(await signed(body, 'someone:else'), SECRET)).toBe(false)
    const unsigned = await signed(body)
    delete unsigned.headers['x-kinerja-signature']
    expect(await odkCentralPlugin.authenticate(unsigned, SECRET)).toBe(false)
    const changed = await signed(body)
    const tampered = body.replace('"integritas":"4"', '"integritas":"5"')
    expect(await odkCentralPlugin.authenticate({ ...changed, text: tampered, body: new TextEncoder().encode(tampered) }, SECRET)).toBe(false)
    expect(await odkCentralPlugin.authenticate(await signed(body), '')).toBe(false)
  })

  it('accepts the signature in the same form as the generic JSON plugin, for a script that pushes', async () => {
    const body = parseSubmissionsPage(read('webhooks/odk-central-1.json')).polled[0]!.body
    const d: Delivery = { headers: { 'x-kinerja-signature': `sha256=${(await hmacSha256Hex(SECRET, body)).toUpperCase()}` }, body: new TextEncoder().encode(body), text: body, url: '', receivedAt: new Date() }
    expect(await odkCentralPlugin.authenticate(d, SECRET)).toBe(true)
  })

  it('normalises a delivered body exactly as the poller did, keyed by __id', async () => {
    const page = parseSubmissionsPage(read('odk-central/poll-2.json'))
    const edit = page.polled.find((p) => p.id === B)!
    const d = await signed(edit.body)
    expect(odkCentralPlugin.idempotencyKey(d)).toBe(B)
    expect(odkCentralPlugin.normalise(d)).toEqual(edit.normalised)
  })

  it('delivers a submission whose review state changed in Central as a byte-identical duplicate', () => {
    const before = parseSubmissionsPage(read('odk-central/poll-1-page-1.json')).polled.find((p) => p.id === C)!
    const reviewed = JSON.parse(read('odk-central/poll-1-page-1.json'))
    Object.assign(reviewed.value[0].__system, { reviewState: 'approved', updatedAt: '2026-03-06T03:00:00.000Z' })
    const after = parseSubmissionsPage(reviewed).polled.find((p) => p.id === C)!
    expect(after.changedAt).toBe('2026-03-06T03:00:00.000Z')
    expect(after.body).toBe(before.body)
  })

  it('rejects a delivery that is not a Central submission, naming __id', () => {
    const d: Delivery = { headers: {}, body: new Uint8Array(), text: '{"penilaian":{"integritas":"4"}}', url: '', receivedAt: new Date() }
    expect(() => odkCentralPlugin.normalise(d)).toThrow(expect.objectContaining({ status: 422, errors: [expect.objectContaining({ path: '/__id' })] }))
    expect(odkCentralPlugin.idempotencyKey(d)).toBeUndefined()
  })
})
