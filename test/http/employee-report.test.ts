/**
 * GET /instances/{id}/report: the employee's 360 report as JSON (values worked out by hand on a
 * known appraisal) and as a printable page; who may read it (an office key, or the employee's own
 * signed link); the language; and that no peer is ever named or quoted.
 */
import { describe, expect, it } from 'vitest'
import { readPackageDir } from '../../src/entry/package-files.ts'
import { formatProblem } from '../../src/package/format-problem.ts'
import { loadPackage } from '../../src/package/load-package.ts'
import { reportScale } from '../../src/services/employee-report.ts'
import { applyEvent } from '../../src/services/instances.ts'
import { createPackageRegistry } from '../../src/services/package-registry.ts'
import { edit, miniPackage } from '../package/mini-package.ts'
import { harness, plajuPackage } from '../support/harness.ts'

const OFFICE = 'kecamatan-plaju'
const DAY = 86_400_000
const E = '199306122020121002' // Andi Wijaya, Pengadministrasi Pelayanan
const E2 = '199509302022032003' // Nurul Hidayah: only two peers answer
const S = '198303102006041003' // their supervisor, Muhammad Rizki Pratama
const P = '197604152000031002' // the supervisor's superior (not on this roster)
const PEERS = ['199104182019032007', '199001152015031004', '199702142022032001']
const PEERS2 = ['199104182019032007', '199001152015031004', '199811302022031002']
const SECRET_COMMENT = 'RAHASIA-REKAN: komentar pribadi'

const staff = (nip: string, name: string, peers: string[]) => ({ nip, name, position: 'staf-pelayanan', unit: 'Seksi Pelayanan Umum', supervisor: S, superior: P, peers })
const ROSTER = [
  staff(E, 'Andi Wijaya', PEERS),
  staff(E2, 'Nurul Hidayah, A.Md.', PEERS2),
  { nip: S, name: 'Muhammad Rizki Pratama, S.IP.', position: 'kasi-pelayanan-umum', unit: 'Seksi Pelayanan Umum', supervisor: P, superior: '197203101994031005', peers: [PEERS[0]!, PEERS[1]!, PEERS2[2]!] },
]

type Levels = [integritas: number, kerjasama: number, komunikasi: number, pelayananPublik: number]

async function setup() {
  const h = await harness({ start: '2026-01-05T08:00:00.000Z' })
  await h.request('POST', '/offices', { json: { id: OFFICE, name: 'Kecamatan Plaju' } })
  await h.request('POST', '/offices', { json: { id: 'kecamatan-lain', name: 'Kecamatan Lain' } })
  const viewer = (await h.request('POST', `/offices/${OFFICE}/keys`, { json: { role: 'viewer' } })).data.key as string
  const hr = (await h.request('POST', `/offices/${OFFICE}/keys`, { json: { role: 'hr' } })).data.key as string
  const otherViewer = (await h.request('POST', '/offices/kecamatan-lain/keys', { json: { role: 'viewer' } })).data.key as string

  const cycleOf = async (name: string, tahun: number) => {
    const id = (await h.request('POST', `/offices/${OFFICE}/cycles`, { json: { name, package: 'plaju-kompetensi-360', params: { periode: 'tahunan', tahun } } })).data.id as string
    expect((await h.request('PUT', `/cycles/${id}/roster`, { json: ROSTER })).status).toBe(200)
    expect((await h.request('POST', `/cycles/${id}/start`)).status).toBe(200)
    return id
  }
  let receipt = 0
  const submit = (cycle: string, subject: string, role: string, rater: string, [integritas, kerjasama, komunikasi, pelayanan_publik]: Levels, extra: Record<string, unknown> = {}) =>
    applyEvent(h.deps, `${cycle}.${subject}`, {
      type: 'submission',
      submission: { form: 'ringkas', role, subject, rater, answers: { subject, rater, role, integritas, kerjasama, komunikasi, pelayanan_publik, ...extra }, receipt: `r-${++receipt}`, receivedAt: h.clock.now().toISOString() },
    })
  /** E's answers: self 5/2/5/4, supervisor 3/4/4/3, peers 2-3-4/4/4/2 (means 3/4/4/2). */
  const appraiseE = async (cycle: string) => {
    await submit(cycle, E, 'self', E, [5, 2, 5, 4])
    await submit(cycle, E, 'supervisor', S, [3, 4, 4, 3], { ratingHasilKerja: 'sesuai' })
    for (const [n, p] of PEERS.entries()) await submit(cycle, E, 'peer', p, [2 + n, 4, 4, 2], { komentar: SECRET_COMMENT })
    // Self and supervisor are 2 levels apart on two competencies: a discussion, confirmed.
    const confirmed = await h.request('POST', `/instances/${cycle}.${E}/actions/confirm`, { json: { actor: S } })
    expect(confirmed.data.state).toBe('objection')
  }

  // Last year's cycle: the same answers, accepted.
  const earlier = await cycleOf('Kompetensi 2025', 2025)
  await appraiseE(earlier)
  expect((await h.request('POST', `/instances/${earlier}.${E}/actions/accept`, { json: { actor: E } })).data.status).toBe('done')

  h.clock.advance(DAY)
  const cycle = await cycleOf('Kompetensi 2026', 2026)
  await appraiseE(cycle)
  // E2: self and supervisor 3 everywhere, two of three peers answer 1; the collect deadline passes.
  await submit(cycle, E2, 'self', E2, [3, 3, 3, 3])
  await submit(cycle, E2, 'supervisor', S, [3, 3, 3, 3], { ratingHasilKerja: 'sesuai' })
  for (const p of PEERS2.slice(0, 2)) await submit(cycle, E2, 'peer', p, [1, 1, 1, 1], { komentar: SECRET_COMMENT })
  await applyEvent(h.deps, `${cycle}.${E2}`, { type: 'deadline', state: 'collect', kind: 'deadline' })

  const get = (path: string, o: { key?: string | null; accept?: string; lang?: string } = {}) =>
    h.request('GET', path, { key: o.key === undefined ? viewer : o.key, headers: { ...(o.accept ? { accept: o.accept } : {}), ...(o.lang ? { 'accept-language': o.lang } : {}) } })
  const json = (path: string, key?: string | null) => get(path, { key, accept: 'application/json' })
  return { h, cycle, earlier, viewer, hr, otherViewer, get, json, report: `/instances/${cycle}.${E}/report`, report2: `/instances/${cycle}.${E2}/report` }
}

describe('GET /instances/{id}/report as JSON', () => {
  it("gives identity, period, each role's mean and weight, score, required level and gap per competency", async () => {
    const { json, report } = await setup()
    const res = await json(report)
    expect(res.status).toBe(200)
    expect(res.type).toMatch(/^application\/json/)
    const m = res.data
    expect(m.employee).toEqual({ nip: E, name: 'Andi Wijaya', position: { id: 'staf-pelayanan', title: { id: 'Pengadministrasi Pelayanan', en: 'Service administration staff' } }, unit: 'Seksi Pelayanan Umum' })
    expect(m.supervisor).toEqual({ nip: S, name: 'Muhammad Rizki Pratama, S.IP.' })
    expect(m.superior).toEqual({ nip: P, name: null })
    expect(m.cycle).toMatchObject({ name: 'Kompetensi 2026', status: 'running', periode: 'tahunan', tahun: 2026 })
    expect(m.package).toMatchObject({ id: 'plaju-kompetensi-360' })
    // The forms' scored questions go from 1 to 5.
    expect(m.scale).toEqual({ min: 1, max: 5 })
    expect(m.roles).toEqual([
      { role: 'self', label: { id: 'Pegawai yang dinilai', en: 'Appraisee' }, weight: 20, anonymous: false, answered: 1, threshold: null, shown: true, series: true },
      { role: 'supervisor', label: { id: 'Pejabat Penilai Kinerja', en: 'Supervisor (appraiser)' }, weight: 50, anonymous: false, answered: 1, threshold: null, shown: true, series: true },
      { role: 'peer', label: { id: 'Rekan kerja', en: 'Peers' }, weight: 30, anonymous: true, answered: 3, threshold: 3, shown: true, series: true },
    ])
    // Pengadministrasi Pelayanan requires 11 competencies; the short form scores four of them.
    expect(m.competencies).toHaveLength(11)
    const row = (id: string) => m.competencies.find((c: any) => c.id === id)
    // integritas: self 5, supervisor 3, peers (2+3+4)/3 = 3; (20*5 + 50*3 + 30*3)/100 = 3.40; required 2, gap +1.40
    expect(row('integritas')).toEqual({
      id: 'integritas', code: 'M.01', name: { id: 'Integritas', en: 'Integrity' }, required: 2, score: 3.4, gap: 1.4,
      roles: { self: { mean: 5, share: 20 }, supervisor: { mean: 3, share: 50 }, peer: { mean: 3, share: 30 } },
    })
    // kerjasama: (20*2 + 50*4 + 30*4)/100 = 3.60, required 1, gap 2.60
    expect(row('kerjasama')).toMatchObject({ score: 3.6, required: 1, gap: 2.6 })
    // komunikasi: (20*5 + 50*4 + 30*4)/100 = 4.20, required 1, gap 3.20
    expect(row('komunikasi')).toMatchObject({ score: 4.2, required: 1, gap: 3.2 })
    // pelayanan publik: (20*4 + 50*3 + 30*2)/100 = 2.90, required 2, gap 0.90
    expect(row('pelayanan-publik')).toMatchObject({ score: 2.9, required: 2, gap: 0.9 })
    // Not asked by the short form: no role's mean, no score, the required level still shown.
    expect(row('teknis.administrasi-kependudukan')).toMatchObject({ code: 'T.03', required: 2, score: null, gap: null, roles: {} })
  })

  it('finds blind spots and hidden strengths: self against the other roles by more than a third of the scale', async () => {
    const { json, report } = await setup()
    const m = (await json(report)).data
    // Scale 1-5: (5 - 1) / 3 = 1.33 levels.
    expect(m.blindSpotMargin).toBe(1.33)
    // integritas: 5 against (3 + 3)/2 = 3, +2; pelayanan publik: 4 against (3 + 2)/2 = 2.5, +1.5.
    expect(m.blindSpots).toEqual([
      { competency: 'integritas', name: { id: 'Integritas', en: 'Integrity' }, self: 5, others: 3, difference: 2 },
      { competency: 'pelayanan-publik', name: { id: 'Pelayanan Publik', en: 'Public service' }, self: 4, others: 2.5, difference: 1.5 },
    ])
    // kerjasama: 2 against (4 + 4)/2 = 4, -2. komunikasi: 5 against 4, +1: not more than 1.33.
    expect(m.hiddenStrengths).toEqual([{ competency: 'kerjasama', name: { id: 'Kerjasama', en: 'Teamwork' }, self: 2, others: 4, difference: -2 }])
  })

  it('shows the predikat, training toward 20 JP, the 9-box, tugas belajar, earlier cycles and the objection deadline', async () => {
    const { json, report, earlier, cycle } = await setup()
    const m = (await json(report)).data
    // fulfilment = (3.4/2 + 3.6/1 + 4.2/1 + 2.9/2)/4 = 2.74 >= 1.1: behaviour above; results 'sesuai' -> Baik.
    expect(m.predikat).toEqual({ value: 'Baik', note: null })
    // No gap below the required level: only the general item, which fills the 20 JP.
    expect(m.training).toEqual({
      items: [{ title: 'Pengembangan kompetensi umum (e-learning ASN, seminar, coaching)', jp: 20, competency: null, name: null, route: 'non-klasikal', levels: null }],
      totalJp: 20, annualJp: 20, shortBy: 0,
    })
    // JPM = (2 + 1 + 1 + 2)/(2 + 1 + 1 + 2) = 100 >= 90: high potential; Baik = meets: box 8.
    expect(m.nineBox.value).toMatchObject({ box: 8, performance: 'meets', potential: 'high', talentPool: true })
    // Baik in 2025 and in 2026, both annual: eligible.
    expect(m.scholarship.value).toMatchObject({ eligible: true, reasons: [] })
    expect(m.history).toEqual([
      {
        cycle: { id: earlier, name: 'Kompetensi 2025', periode: 'tahunan', tahun: 2025, package: 'plaju-kompetensi-360' },
        outcome: 'final',
        values: [
          { name: 'predikat', label: { id: 'Predikat kinerja', en: 'Performance predikat' }, value: 'Baik' },
          { name: 'jpm', label: { id: 'Job-Person Match (%)', en: 'Job-Person Match (%)' }, value: 100 },
          { name: 'nineBox.box', label: { id: 'Kotak talenta', en: 'Talent box' }, value: 8 },
          { name: 'trainingJp', label: { id: 'Jumlah JP pengembangan', en: 'Development hours (JP)' }, value: 20 },
        ],
      },
    ])
    // The objection window opened on 2026-01-06 08:00 UTC (one day after the start): 14 days.
    expect(m.workflow).toMatchObject({ state: 'objection', status: 'active', deadline: '2026-01-20T08:00:00.000Z', employeeDeadline: '2026-01-20T08:00:00.000Z' })
    expect(m.workflow.tasks).toEqual([
      { state: 'objection', stateTitle: { id: 'Masa keberatan pegawai (14 hari)', en: "Employee's objection window (14 days)" }, role: 'self', roleLabel: { id: 'Pegawai yang dinilai', en: 'Appraisee' }, remaining: 1, due: '2026-01-20T08:00:00.000Z',
        actions: [{ name: 'accept', title: { id: 'Terima hasil penilaian', en: 'Accept the result' } }, { name: 'object', title: { id: 'Ajukan keberatan', en: 'File an objection' } }] },
    ])
    // The other results are the package's report.vars less those with a section of their own.
    const names = m.results.map((r: any) => r.name)
    expect(names).toEqual(['ratingHasilKerja', 'ratingHasilKerjaSet', 'ratingPerilaku', 'fulfilment', 'jpm', 'jpmCategory', 'gaps', 'discrepancies', 'discussion', 'objection', 'decision', 'revisedBy'])
    expect(m.results.find((r: any) => r.name === 'ratingPerilaku').value).toBe('di-atas')
    expect(m.results.find((r: any) => r.name === 'discussion').value).toMatchObject({ result: 'confirm', by: S })
    expect(m.instance).toEqual({ id: `${cycle}.${E}`, state: 'objection', status: 'active', outcome: null })
  })

  it('leaves peers out below their threshold and says how many answered and how many are needed', async () => {
    const { json, get, report2 } = await setup()
    const m = (await json(report2)).data
    expect(m.roles.find((r: any) => r.role === 'peer')).toEqual({ role: 'peer', label: { id: 'Rekan kerja', en: 'Peers' }, weight: null, anonymous: true, answered: 2, threshold: 3, shown: false, series: false })
    // Self and supervisor 3: (20*3 + 50*3)/70 = 3, their weights renormalised to 20/70 = 28.6% and 50/70 = 71.4%.
    // Had the two peers' 1s counted, it would be (60 + 150 + 30)/100 = 2.4.
    expect(m.competencies.find((c: any) => c.id === 'integritas')).toMatchObject({ score: 3, gap: 1, roles: { self: { mean: 3, share: 28.6 }, supervisor: { mean: 3, share: 71.4 } } })
    expect(m.competencies.every((c: any) => !('peer' in c.roles))).toBe(true)
    expect(m.blindSpots).toEqual([])
    const page = (await get(report2)).data as string
    expect(page).toContain('Rekan kerja: tidak ditampilkan. Baru 2 dari minimal 3 penilai mengisi (kurang 1)')
    expect(page).toContain('class="note below-threshold"')
    // Three series: self, supervisor and the required level.
    expect([...page.matchAll(/<g class="series" data-series="(\w+)"/g)].map((x) => x[1])).toEqual(['self', 'supervisor', 'required'])
  })
})

describe('GET /instances/{id}/report as a page', () => {
  it('is Indonesian by default, printable, with a radar of one axis per competency and a series per role', async () => {
    const { get, report } = await setup()
    const res = await get(report)
    expect(res.status).toBe(200)
    expect(res.type).toMatch(/^text\/html/)
    const page = res.data as string
    expect(page).toContain('<html lang="id">')
    expect(page).toContain('Laporan penilaian kompetensi 360 derajat')
    expect(page).toContain('@page { size: A4')
    expect(page.match(/<line class="axis"/g)).toHaveLength(11)
    expect([...page.matchAll(/<g class="series" data-series="(\w+)" data-points="(\d+)"/g)].map((x) => [x[1], Number(x[2])])).toEqual([
      ['self', 4], ['supervisor', 4], ['peer', 4], ['required', 11],
    ])
    expect(page).not.toContain('below-threshold')
    expect(page).toContain('Rekan kerja: rata-rata dari 3 penilai anonim')
    // Numbers in Indonesian: a decimal comma.
    expect(page).toMatch(/<strong>3,4<\/strong>/)
    expect(page).toContain('20 JP dari paling sedikit 20 JP per tahun')
    expect(page).toContain('Kotak 8')
    expect(page).toContain('Memenuhi syarat kinerja')
    expect(page).toContain('2026-01-20 08:00 UTC')
    expect(page).toContain('Pilihan: Terima hasil penilaian, Ajukan keberatan')
    expect(page).toContain('Kompetensi 2025')
  })

  it('switches to English with ?lang=en or Accept-Language, and ?lang wins', async () => {
    const { get, report } = await setup()
    const en = await get(`${report}?lang=en`)
    expect(en.data).toContain('<html lang="en">')
    expect(en.data).toContain('360-degree competency report')
    expect(en.data).toContain('Blind spots (self rated higher)')
    expect(en.data).toContain('Job-Person Match (%)')
    expect(en.data).toMatch(/<strong>3\.4<\/strong>/)
    const byHeader = await get(report, { lang: 'en-GB,en;q=0.9,id;q=0.5' })
    expect(byHeader.data).toContain('<html lang="en">')
    const forced = await get(`${report}?lang=id`, { lang: 'en' })
    expect(forced.data).toContain('<html lang="id">')
    // The language links keep the page's address.
    expect(forced.data).toContain(`href="${report}?lang=en"`)
  })

  it('names no peer and quotes no peer answer, in the page or the JSON', async () => {
    const { get, json, report, report2 } = await setup()
    for (const path of [report, report2]) {
      const text = JSON.stringify((await json(path)).data) + ((await get(path)).data as string) + ((await get(`${path}?lang=en`)).data as string)
      for (const p of [...PEERS, ...PEERS2]) expect(text).not.toContain(p)
      expect(text).not.toContain('RAHASIA-REKAN')
    }
  })
})

describe('who may read a report', () => {
  it('lets HR and the viewers of the office in, and no one else with a key', async () => {
    const { get, hr, otherViewer, report } = await setup()
    expect((await get(report, { key: hr })).status).toBe(200)
    const other = await get(report, { key: otherViewer })
    expect(other.status).toBe(403)
    expect(other.type).toMatch(/^application\/problem\+json/)
    const none = await get(report, { key: null })
    expect(none.status).toBe(401)
    expect(none.data.code).toBe('unauthorized')
  })

  it("lets the employee in with their own signed link, made by HR, and keeps the link in the language switch", async () => {
    const { h, get, hr, viewer, report } = await setup()
    expect((await h.request('POST', `${report}-link`, { key: viewer })).status).toBe(403)
    const made = await h.request('POST', `${report}-link`, { key: hr })
    expect(made.status).toBe(201)
    // Links last 30 days from now (2026-01-06 08:00 UTC).
    expect(made.data).toEqual({ nip: E, url: expect.stringMatching(/^https:\/\/kinerja\.test\/instances\/.+\/report\?link=v1\./), expiresAt: '2026-02-05T08:00:00.000Z' })
    const url = new URL(made.data.url)
    const path = url.pathname + url.search
    const page = await get(path, { key: null })
    expect(page.status).toBe(200)
    expect(page.data).toContain('Andi Wijaya')
    expect(page.data).toContain(`href="${path}&amp;lang=en"`)
    expect((await get(path, { key: null, accept: 'application/json' })).data.employee.nip).toBe(E)
    // A report link cannot act.
    expect((await h.request('GET', `/act/${url.searchParams.get('link')}`, { key: null })).status).toBe(401)
    // 30 days later it has expired.
    h.clock.advance(30 * DAY)
    const expired = await get(path, { key: null })
    expect(expired.status).toBe(401)
    expect(expired.data.detail).toMatch(/expired/)
  })

  it("accepts the employee's action link (the kind a notify message carries), but not another person's", async () => {
    const { h, get, report, report2, cycle } = await setup()
    const linkOf = async (id: string, nip: string) => new URL((await h.request('POST', `/instances/${id}/links`, { json: { nip } })).data.url).pathname.split('/act/')[1]!
    const own = await linkOf(`${cycle}.${E}`, E)
    expect((await get(`${report}?link=${own}`, { key: null })).status).toBe(200)
    // The supervisor's link for this appraisal does not open the employee's report.
    const supervisors = await linkOf(`${cycle}.${E}`, S)
    expect((await get(`${report}?link=${supervisors}`, { key: null })).status).toBe(403)
    // Another employee's link opens only their own.
    const others = await linkOf(`${cycle}.${E2}`, E2)
    expect((await get(`${report2}?link=${others}`, { key: null })).status).toBe(200)
    expect((await get(`${report}?link=${others}`, { key: null })).status).toBe(403)
  })

  it('refuses a forged, altered or empty link with 401', async () => {
    const { h, get, hr, report } = await setup()
    const token = new URL((await h.request('POST', `${report}-link`, { key: hr })).data.url).searchParams.get('link')!
    const [v, payload, sig] = token.split('.')
    const altered = `${v}.${payload}.${sig!.slice(0, -2)}${sig!.endsWith('AA') ? 'BB' : 'AA'}`
    for (const bad of [altered, 'v1.e30.x', '', 'x'.repeat(5000)]) {
      const res = await get(`${report}?link=${encodeURIComponent(bad)}`, { key: null })
      expect(res.status, bad.slice(0, 20)).toBe(401)
      expect(res.type).toMatch(/^application\/problem\+json/)
    }
    // A link never opens the rest of the API.
    expect((await get(`/instances/${report.split('/')[2]}?link=${token}`, { key: null })).status).toBe(401)
  })
})


describe('the report of a package without a score table (SKP)', () => {
  it('has no chart, and shows the predikat and the labelled results', async () => {
    const h = await harness()
    const skp = (await loadPackage(await readPackageDir(new URL('../../workflows/skp-berakhlak-2022/', import.meta.url).pathname))).package!
    h.deps.packages = createPackageRegistry(h.store, loadPackage, [h.pkg, skp])
    await h.request('POST', '/offices', { json: { id: OFFICE, name: 'Kecamatan Plaju' } })
    const cycle = (await h.request('POST', `/offices/${OFFICE}/cycles`, { json: { name: 'SKP 2026', package: 'skp-berakhlak-2022' } })).data.id as string
    expect((await h.request('PUT', `/cycles/${cycle}/roster`, { json: [{ nip: E, name: 'Andi Wijaya', position: 'pelaksana', supervisor: S, superior: P }] })).status).toBe(200)
    expect((await h.request('POST', `/cycles/${cycle}/start`)).status).toBe(200)
    const values = ['berorientasi_pelayanan', 'akuntabel', 'kompeten', 'harmonis', 'loyal', 'adaptif', 'kolaboratif']
    const all = (n: number) => Object.fromEntries(values.map((v) => [v, n]))
    const send = (form: string, role: string, rater: string, answers: Record<string, unknown>, n: number) =>
      applyEvent(h.deps, `${cycle}.${E}`, { type: 'submission', submission: { form, role, subject: E, rater, answers: { subject: E, rater, ...answers }, receipt: `s-${n}`, receivedAt: h.clock.now().toISOString() } })
    await send('diri', 'self', E, { ...all(2), bukti_dukung: 'Laporan pelayanan bulanan.' }, 1)
    await send('perilaku', 'supervisor', S, all(3), 2)
    await send('hasil-kerja', 'supervisor_hasil', S, { rhk_1: 'Layanan KTP', rhk_1_indikator: 'Waktu layanan', rhk_1_target: '1 hari', rhk_1_realisasi: '1 hari', rhk_1_rating: 'di-atas', ratingHasilKerja: 'di-atas' }, 3)
    const m = (await h.request('GET', `/instances/${cycle}.${E}/report`, { headers: { accept: 'application/json' } })).data
    // Behaviour: the supervisor's mean 3 >= 2.5, above; results above: Sangat Baik.
    expect(m).toMatchObject({ scored: false, competencies: [], blindSpots: [], scale: { min: 1, max: 3 }, predikat: { value: 'Sangat Baik', note: null }, training: null, nineBox: null, scholarship: null })
    expect(m.results.find((r: any) => r.name === 'nilaiPerilaku')).toEqual({ name: 'nilaiPerilaku', label: { id: 'Nilai perilaku kerja (rata-rata 1-3)', en: 'Work behaviour score (mean of 1-3)' }, value: 3 })
    expect(m.workflow).toMatchObject({ state: 'keberatan', employeeDeadline: '2026-01-19T08:00:00.000Z' })
    const page = (await h.request('GET', `/instances/${cycle}.${E}/report?lang=en`)).data as string
    expect(page).not.toContain('<svg id="radar"')
    expect(page).toContain('Sangat Baik')
    expect(page).toContain('Work behaviour score (mean of 1-3)')
    expect(page).toContain('Your deadline to respond (e.g. to object)')
  })
})

describe("a package's report section", () => {
  it("takes the chart's scale from the forms' scored questions unless the report sets one", async () => {
    expect(reportScale(await plajuPackage())).toEqual({ min: 1, max: 5 })
    // The SKP forms rate BerAKHLAK on the 6/2022 three-step scale.
    const skp = (await loadPackage(await readPackageDir(new URL('../../workflows/skp-berakhlak-2022/', import.meta.url).pathname))).package!
    expect(reportScale(skp)).toEqual({ min: 1, max: 3 })
    const plaju = await plajuPackage()
    expect(reportScale({ ...plaju, workflow: { ...plaju.workflow, report: { scale: { min: 0, max: 4 } } } })).toEqual({ min: 0, max: 4 })
  })

  it('warns of a section or export naming a variable no state assigns, and refuses a scale whose max is not above its min', async () => {
    const files = edit('workflow.json', (w) => (w.report = { export: ['totl'], predikat: { var: 'predikat', note: 'total' }, scale: { min: 5, max: 1 } }))
    const result = await loadPackage(files)
    const lines = result.problems.map((p) => formatProblem(p))
    expect(lines).toEqual([
      expect.stringMatching(/workflow\.json.*\/report\/export\/0.*no state assigns 'totl'.*total/),
      expect.stringMatching(/workflow\.json.*\/report\/predikat\/var.*no state assigns 'predikat'/),
      expect.stringMatching(/workflow\.json.*\/report\/scale.*max \(1\) must be above min \(5\)/),
    ])
    expect(result.package).toBeUndefined()
    expect((await loadPackage(miniPackage())).problems).toEqual([])
  })
})
