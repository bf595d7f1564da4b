/**
 * The cycle exports: CSV (UTF-8 with BOM, RFC 4180, CRLF) and XLSX (a hand-written Office Open XML
 * workbook), one row per employee, with spreadsheet formula injection defused. The XLSX is
 * unpacked here by a small reader of stored ZIP entries, each part's CRC-32 checked against
 * node:zlib's, and every XML part parsed by the strict reader of the Kobo plugin.
 */
import { crc32 as zlibCrc32 } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { readXml, type XmlElement } from '../../plugins/kobo/xml-reader.ts'
import type { LoadedPackage } from '../../src/package/loaded-package.ts'
import { applyEvent } from '../../src/services/instances.ts'
import { escapeFormula, exportTable, toCsv, toXlsx } from '../../src/services/export.ts'
import { columnName } from '../../src/services/xlsx.ts'
import { harness } from '../support/harness.ts'

const OFFICE = 'kecamatan-plaju'
const SUP = '197611042003121003'
const PEERS = ['199411082020121001', '199602142022032001', '199109172017031002']
const nip = (n: number) => `19900101201501100${n}`
const [X1, X2, X3, X4] = [1, 2, 3, 4].map(nip) as [string, string, string, string]
const HYPERLINK = '=HYPERLINK("http://contoh.invalid","klik")'

/** Four staff with hostile names; X1 done (Baik), X2 objecting (Sangat Baik), X3 and X4 not started. */
async function setup() {
  const h = await harness({ start: '2026-01-05T08:00:00.000Z' })
  await h.request('POST', '/offices', { json: { id: OFFICE, name: 'Kecamatan Plaju' } })
  const viewer = (await h.request('POST', `/offices/${OFFICE}/keys`, { json: { role: 'viewer' } })).data.key as string
  const cycle = (await h.request('POST', `/offices/${OFFICE}/cycles`, { json: { name: 'Kompetensi 2026 (Tahunan)', package: 'plaju-kompetensi-360' } })).data.id as string
  const person = (n: number, name: string, unit = 'Seksi Pelayanan Umum') => ({ nip: nip(n), name, position: 'staf-pelayanan', unit, supervisor: SUP, superior: '197604152000031002', peers: PEERS })
  const roster = [person(1, '=1+1', '+62 811 7000 123'), person(2, '-5'), person(3, '@SUM(A1:A2)'), person(4, 'Siti Nurhaliza, S.E. "Bu Siti"', 'Seksi\nPemerintahan')]
  expect((await h.request('PUT', `/cycles/${cycle}/roster`, { json: roster })).status).toBe(200)
  expect((await h.request('POST', `/cycles/${cycle}/start`)).status).toBe(200)
  let receipt = 0
  const submit = (subject: string, role: string, rater: string, level: number, extra: Record<string, unknown> = {}) =>
    applyEvent(h.deps, `${cycle}.${subject}`, {
      type: 'submission',
      submission: { form: 'ringkas', role, subject, rater, answers: { subject, rater, role, integritas: level, kerjasama: level, komunikasi: level, pelayanan_publik: level, ...extra }, receipt: `r-${++receipt}`, receivedAt: h.clock.now().toISOString() },
    })
  const rate = async (subject: string, rhk: string) => {
    await submit(subject, 'self', subject, 2)
    await submit(subject, 'supervisor', SUP, 2, { ratingHasilKerja: rhk })
    for (const p of PEERS) await submit(subject, 'peer', p, 2, { komentar: 'RAHASIA-REKAN: komentar rekan' })
  }
  await rate(X1, 'sesuai')
  await rate(X2, 'di-atas')
  expect((await h.request('POST', `/instances/${cycle}.${X1}/actions/accept`, { json: { actor: X1 } })).status).toBe(200)
  const objected = await h.request('POST', `/instances/${cycle}.${X2}/actions/object`, { json: { actor: X2, input: { reason: HYPERLINK } } })
  expect(objected.status, JSON.stringify(objected.data)).toBe(200)
  const get = (path: string, headers: Record<string, string> = {}) => h.app.request(path, { headers: { authorization: `Bearer ${viewer}`, ...headers } })
  return { h, cycle, get }
}

/** The entries of a ZIP whose entries are stored (method 0), from its central directory. */
function unzipStored(zip: Uint8Array): Map<string, { data: Uint8Array; crc: number; method: number }> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength)
  const eocd = zip.byteLength - 22
  expect(view.getUint32(eocd, true)).toBe(0x06054b50)
  const count = view.getUint16(eocd + 10, true)
  let p = view.getUint32(eocd + 16, true)
  const out = new Map<string, { data: Uint8Array; crc: number; method: number }>()
  for (let i = 0; i < count; i++) {
    expect(view.getUint32(p, true)).toBe(0x02014b50)
    const method = view.getUint16(p + 10, true)
    const crc = view.getUint32(p + 16, true)
    const size = view.getUint32(p + 20, true)
    const nameLen = view.getUint16(p + 28, true)
    const extraLen = view.getUint16(p + 30, true)
    const commentLen = view.getUint16(p + 32, true)
    const local = view.getUint32(p + 42, true)
    const name = new TextDecoder().decode(zip.subarray(p + 46, p + 46 + nameLen))
    expect(view.getUint32(local, true)).toBe(0x04034b50)
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true)
    out.set(name, { data: zip.subarray(start, start + size), crc, method })
    p += 46 + nameLen + extraLen + commentLen
  }
  return out
}

const parse = (text: string): XmlElement => {
  const r = readXml(text)
  if (!r.ok) throw new Error(`not well-formed at ${r.line}:${r.col}: ${r.message}`)
  return r.root
}
const walk = (e: XmlElement): XmlElement[] => [e, ...e.children.flatMap(walk)]

/** The sheet's cells as `ref -> {type, value}` (inline strings and numbers). */
function cells(sheet: XmlElement): Map<string, { t: string | undefined; v: string }> {
  const out = new Map<string, { t: string | undefined; v: string }>()
  for (const c of walk(sheet).filter((e) => e.name === 'c')) {
    const t = c.attributes.get('t')
    const v = t === 'inlineStr' ? walk(c).find((e) => e.name === 't')!.text : c.children.find((e) => e.name === 'v')!.text
    out.set(c.attributes.get('r')!, { t, v })
  }
  return out
}

const utf8 = (b: Uint8Array) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(b)

describe('escapeFormula', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+6281234567890', "'+6281234567890"],
    ['-5', "'-5"],
    ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', "'\r=1+1"],
    ['Baik', 'Baik'],
    ['1985-03-12', '1985-03-12'],
    ['a=b', 'a=b'],
    ['', ''],
  ])('writes %j as %j', (input, expected) => {
    expect(escapeFormula(input)).toBe(expected)
  })
})

describe('GET /cycles/{cycle}/export.csv', () => {
  it('is UTF-8 with a BOM, CRLF line ends, a header in Indonesian and one row per employee', async () => {
    const { cycle, get } = await setup()
    const res = await get(`/cycles/${cycle}/export.csv`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/)
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="kecamatan-plaju-kompetensi-2026-tahunan.csv"')
    expect(res.headers.get('cache-control')).toBe('private, no-store')
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const text = utf8(bytes).slice(1)
    expect(text.endsWith('\r\n')).toBe(true)
    // Header and four employees, each record ending with CRLF (a line break inside a field is quoted).
    expect(text.split('\r\n')).toHaveLength(1 + 4 + 1)
    expect(text.split('\r\n')[0]!.startsWith('NIP,Nama,Unit kerja,Jabatan,Tahap,Status,')).toBe(true)
  })

  it('escapes cells that start with = + - @ and quotes commas, quotes and line breaks (RFC 4180)', async () => {
    const { cycle, get } = await setup()
    const text = utf8(new Uint8Array(await (await get(`/cycles/${cycle}/export.csv`)).arrayBuffer())).slice(1)
    const lines = text.split('\r\n')
    expect(lines[1]!.startsWith(`${X1},'=1+1,'+62 811 7000 123,Pengadministrasi Pelayanan,Selesai,Selesai,`)).toBe(true)
    expect(lines[2]!.startsWith(`${X2},'-5,Seksi Pelayanan Umum,Pengadministrasi Pelayanan,`)).toBe(true)
    // The objection's reason, an object variable's key: apostrophe first, then quoted with its quotes doubled.
    expect(lines[2]).toContain(`"'=HYPERLINK(""http://contoh.invalid"",""klik"")"`)
    expect(lines[3]!.startsWith(`${X3},'@SUM(A1:A2),Seksi Pelayanan Umum,`)).toBe(true)
    // The line break inside the unit is LF, quoted; records end with CRLF.
    expect(lines[4]!.startsWith(`${X4},"Siti Nurhaliza, S.E. ""Bu Siti""","Seksi\nPemerintahan",Pengadministrasi Pelayanan,`)).toBe(true)
    // No cell anywhere starts with a formula character unescaped.
    expect(text).not.toMatch(/(^|,)[=+@]/m)
    expect(text).not.toContain('RAHASIA-REKAN')
  })

  it('heads the columns in English with ?lang=en or Accept-Language', async () => {
    const { cycle, get } = await setup()
    const byQuery = utf8(new Uint8Array(await (await get(`/cycles/${cycle}/export.csv?lang=en`)).arrayBuffer()))
    expect(byQuery.slice(1).startsWith('NIP,Name,Unit,Position,Step,Status,')).toBe(true)
    expect(byQuery).toContain(`${X1},'=1+1,'+62 811 7000 123,Service administration staff,Done,Done,`)
    const res = await get(`/cycles/${cycle}/export.csv`, { 'accept-language': 'en-GB,en;q=0.8' })
    expect(res.headers.get('content-language')).toBe('en')
    expect(utf8(new Uint8Array(await res.arrayBuffer())).slice(1).startsWith('NIP,Name,')).toBe(true)
  })
})

describe('exportTable', () => {
  /** The Plaju package with a report that exports a few variables and labels some of them. */
  const withReport = (pkg: LoadedPackage, report: Record<string, unknown>): LoadedPackage => ({ ...pkg, workflow: { ...pkg.workflow, report: report as never } })

  it('exports the variables the package marks, an object one column per key, numbers as numbers, labels in the language', async () => {
    const { h, cycle } = await setup()
    const pkg = withReport(h.pkg, {
      vars: ['predikat', 'jpm', 'gaps'],
      export: ['predikat', 'jpm', 'nineBox', 'objection'],
      labels: { predikat: { id: 'Predikat kinerja', en: 'Performance rating' }, 'nineBox.box': { id: 'Kotak talenta', en: 'Talent box' } },
    })
    const instances = await h.store.listInstances(cycle)
    const roster = await h.store.getRoster(cycle)
    const id = exportTable(pkg, instances, roster, 'id')
    // X1 and X2 scored 2 on all four: JPM (2+1+1+2)/6 = 100, high; X1 Baik -> meets -> box 8, X2 Sangat Baik -> above -> box 9.
    const col = (name: string) => id.header.indexOf(name)
    expect(id.header.slice(6, 9)).toEqual(['Predikat kinerja', 'jpm', 'Kotak talenta'])
    expect(id.header).toContain('nineBox: potential')
    expect(id.header).toContain('objection: reason')
    expect(id.rows.map((r) => [r[0], r[col('Predikat kinerja')], r[col('jpm')], r[col('Kotak talenta')], r[col('nineBox: potential')]])).toEqual([
      [X1, 'Baik', 100, 8, 'high'],
      [X2, 'Sangat Baik', 100, 9, 'high'],
      [X3, null, null, null, null],
      [X4, null, null, null, null],
    ])
    // A package text ({id, en}) in the request's language, a boolean as words.
    expect(id.rows[0]![col('nineBox: followUp')]).toMatch(/^Dipertahankan; masuk kelompok rencana suksesi instansi/)
    expect(id.rows[0]![col('nineBox: talentPool')]).toBe('ya')
    expect(id.rows[1]![col('objection: reason')]).toBe(HYPERLINK)
    const en = exportTable(pkg, instances, roster, 'en')
    expect(en.header.slice(6, 9)).toEqual(['Performance rating', 'jpm', 'Talent box'])
    expect(en.rows[0]![en.header.indexOf('nineBox: followUp')]).toMatch(/^Retain; instance succession group/)
    expect(en.rows[0]![en.header.indexOf('nineBox: talentPool')]).toBe('yes')
  })

  it('falls back to report.vars and writes a list of objects as JSON text', async () => {
    const { h, cycle } = await setup()
    const pkg = withReport(h.pkg, { vars: ['trainingJp', 'training'] })
    const table = exportTable(pkg, await h.store.listInstances(cycle), await h.store.getRoster(cycle), 'id')
    expect(table.header.slice(6)).toEqual(['trainingJp', 'training'])
    // No gap at level 2 (required 2, 1, 1, 2): only the general item, 20 JP.
    expect(table.rows[0]![6]).toBe(20)
    expect(JSON.parse(table.rows[0]![7] as string)).toEqual([{ competency: null, title: 'Pengembangan kompetensi umum (e-learning ASN, seminar, coaching)', route: 'non-klasikal', jp: 20 }])
  })

  it('keeps negative numbers as numbers but escapes text that looks like one', () => {
    const csv = toCsv({ header: ['a', 'b', 'c'], rows: [[-0.5, '-5', null]] })
    expect(csv).toBe("\ufeffa,b,c\r\n-0.5,'-5,\r\n")
  })
})

describe('GET /cycles/{cycle}/export.xlsx', () => {
  it('is a ZIP of stored, CRC-checked, well-formed Office Open XML parts with no formula anywhere', async () => {
    const { cycle, get } = await setup()
    const res = await get(`/cycles/${cycle}/export.xlsx`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="kecamatan-plaju-kompetensi-2026-tahunan.xlsx"')
    const zip = new Uint8Array(await res.arrayBuffer())
    expect([...zip.subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04])
    const entries = unzipStored(zip)
    expect([...entries.keys()].sort()).toEqual(['[Content_Types].xml', '_rels/.rels', 'xl/_rels/workbook.xml.rels', 'xl/styles.xml', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml'])
    for (const [name, e] of entries) {
      expect(e.method, name).toBe(0)
      expect(e.crc, name).toBe(zlibCrc32(e.data))
      const root = parse(utf8(e.data))
      expect(walk(root).some((x) => x.name === 'f'), `${name} has a formula`).toBe(false)
    }
    const types = parse(utf8(entries.get('[Content_Types].xml')!.data))
    expect(types.children.map((c) => c.attributes.get('PartName')).filter(Boolean)).toEqual(['/xl/workbook.xml', '/xl/worksheets/sheet1.xml', '/xl/styles.xml'])
    const workbook = parse(utf8(entries.get('xl/workbook.xml')!.data))
    expect(walk(workbook).find((e) => e.name === 'sheet')!.attributes.get('name')).toBe('Hasil')
    expect(utf8(zip)).not.toContain('RAHASIA-REKAN')
  })

  it('holds the same table: text as inline strings (escaped), NIPs as text, numbers as numbers', async () => {
    const { cycle, get } = await setup()
    const csv = utf8(new Uint8Array(await (await get(`/cycles/${cycle}/export.csv`)).arrayBuffer()))
    const header = csv.slice(1).split('\r\n')[0]!.split(',')
    const zip = new Uint8Array(await (await get(`/cycles/${cycle}/export.xlsx`)).arrayBuffer())
    const sheet = cells(parse(utf8(unzipStored(zip).get('xl/worksheets/sheet1.xml')!.data)))
    expect(header.map((_, i) => sheet.get(`${columnName(i)}1`)?.v)).toEqual(header)
    expect(sheet.get('A2')).toEqual({ t: 'inlineStr', v: X1 })
    expect(sheet.get('B2')).toEqual({ t: 'inlineStr', v: "'=1+1" })
    expect(sheet.get('C2')).toEqual({ t: 'inlineStr', v: "'+62 811 7000 123" })
    expect(sheet.get('B3')).toEqual({ t: 'inlineStr', v: "'-5" })
    expect(sheet.get('B4')).toEqual({ t: 'inlineStr', v: "'@SUM(A1:A2)" })
    expect(sheet.get('B5')).toEqual({ t: 'inlineStr', v: 'Siti Nurhaliza, S.E. "Bu Siti"' })
    expect(sheet.get('C5')).toEqual({ t: 'inlineStr', v: 'Seksi\nPemerintahan' })
    const jpm = header.indexOf('Job-Person Match (%)')
    expect(jpm).toBeGreaterThan(5)
    expect(sheet.get(`${columnName(jpm)}2`)).toEqual({ t: undefined, v: '100' })
    expect([...sheet.values()].filter((c) => c.v.includes('HYPERLINK'))).toEqual([{ t: 'inlineStr', v: `'${HYPERLINK}` }])
    // Empty cells are left out: the employee not started has only the six fixed columns.
    expect([...sheet.keys()].filter((k) => /^[A-Z]+5$/.test(k))).toEqual(['A5', 'B5', 'C5', 'D5', 'E5', 'F5'])
  })

  it('names the sheet in the request language and writes characters XML cannot hold as U+FFFD', () => {
    const bytes = toXlsx({ header: ['Nama'], rows: [['Ani\u0001 <b>&']] }, 'en', new Date('2026-01-07T08:00:00Z'))
    const entries = unzipStored(bytes)
    const sheet = cells(parse(utf8(entries.get('xl/worksheets/sheet1.xml')!.data)))
    expect(sheet.get('A2')).toEqual({ t: 'inlineStr', v: 'Ani\ufffd <b>&' })
    expect(walk(parse(utf8(entries.get('xl/workbook.xml')!.data))).find((e) => e.name === 'sheet')!.attributes.get('name')).toBe('Results')
  })
})

describe('columnName', () => {
  it.each([
    [0, 'A'],
    [25, 'Z'],
    [26, 'AA'],
    [27, 'AB'],
    [701, 'ZZ'],
    [702, 'AAA'],
  ])('names column %i %s', (i, name) => {
    expect(columnName(i)).toBe(name)
  })
})
