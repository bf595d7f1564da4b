/**
 * GET /cycles/{cycle}/report: the dashboard model of a small Plaju cycle driven through the real
 * package (short form, every role), its HTML in both languages, and who may see it.
 *
 * The cycle: seven staff (staf-pelayanan, required integritas 2, kerjasama 1, komunikasi 1,
 * pelayanan-publik 2; the other seven competencies of the position get no score from the short
 * form), one supervisor and three peers who are not on the roster. Self, supervisor and peers give
 * the same levels, so every score equals that level and no discussion is needed; the supervisor
 * gives the Rating Hasil Kerja on the form, so no rating step either.
 */
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { readPackageDir } from '../../src/entry/package-files.ts'
import { loadPackage } from '../../src/package/load-package.ts'
import { applyEvent } from '../../src/services/instances.ts'
import { createPackageRegistry } from '../../src/services/package-registry.ts'
import { harness } from '../support/harness.ts'

const SKP_DIR = new URL('../../workflows/skp-berakhlak-2022/', import.meta.url).pathname

const OFFICE = 'kecamatan-plaju'
const SUP = '197611042003121003'
const SUPERIOR = '197604152000031002'
const PEERS = ['199411082020121001', '199602142022032001', '199109172017031002']
const PEER_COMMENT = 'RAHASIA-REKAN: laporan sering terlambat'
const nip = (n: number) => `19900101201501100${n}`
const NAMES = ['Ani Lestari', 'Budi Santoso', 'Citra Dewi', 'Dedi Kurniawan', 'Eka <b>Putri</b>', 'Fajar Nugraha', 'Gita Permata']
const [A, B, C, D, E, F, G] = NAMES.map((_, i) => nip(i + 1)) as [string, string, string, string, string, string, string]

type Levels = { integritas: number; kerjasama: number; komunikasi: number; pelayanan_publik: number }
const all = (n: number): Levels => ({ integritas: n, kerjasama: n, komunikasi: n, pelayanan_publik: n })

async function setup() {
  const h = await harness({ start: '2026-01-05T08:00:00.000Z' })
  const call = h.request
  await call('POST', '/offices', { json: { id: OFFICE, name: 'Kecamatan Plaju' } })
  await call('POST', '/offices', { json: { id: 'kecamatan-seberang-ulu', name: 'Kecamatan Seberang Ulu' } })
  const keyOf = async (office: string, role: string) => (await call('POST', `/offices/${office}/keys`, { json: { role } })).data.key as string
  const viewer = await keyOf(OFFICE, 'viewer')
  const hr = await keyOf(OFFICE, 'hr')
  const otherViewer = await keyOf('kecamatan-seberang-ulu', 'viewer')
  const cycle = (await call('POST', `/offices/${OFFICE}/cycles`, { json: { name: 'Kompetensi 2026', package: 'plaju-kompetensi-360' } })).data.id as string
  const roster = NAMES.map((name, i) => ({ nip: nip(i + 1), name, position: 'staf-pelayanan', unit: 'Seksi Pelayanan Umum', supervisor: SUP, superior: SUPERIOR, peers: PEERS }))
  expect((await call('PUT', `/cycles/${cycle}/roster`, { json: roster })).status).toBe(200)
  expect((await call('POST', `/cycles/${cycle}/start`)).status).toBe(200)
  h.clock.set('2026-01-06T08:00:00.000Z')

  let receipt = 0
  const submit = (subject: string, role: 'self' | 'supervisor' | 'peer', rater: string, levels: Levels, extra: Record<string, unknown> = {}) =>
    applyEvent(h.deps, `${cycle}.${subject}`, {
      type: 'submission',
      submission: { form: 'ringkas', role, subject, rater, answers: { subject, rater, role, ...levels, ...extra }, receipt: `r-${++receipt}`, receivedAt: h.clock.now().toISOString() },
    })
  /** Every role answers with the same levels; the appraisal then waits in the objection window. */
  const rate = async (subject: string, levels: Levels, ratingHasilKerja: string) => {
    await submit(subject, 'self', subject, levels)
    await submit(subject, 'supervisor', SUP, levels, { ratingHasilKerja })
    let last
    for (const p of PEERS) last = await submit(subject, 'peer', p, levels, { komentar: PEER_COMMENT })
    expect(last!.instance.state).toBe('objection')
  }
  const accept = async (subject: string) => {
    const res = await call('POST', `/instances/${cycle}.${subject}/actions/accept`, { json: { actor: subject } })
    expect(res.status, JSON.stringify(res.data)).toBe(200)
  }
  await rate(A, all(2), 'di-atas')
  await rate(B, all(2), 'sesuai')
  await rate(C, { integritas: 1, kerjasama: 2, komunikasi: 2, pelayanan_publik: 2 }, 'sesuai')
  await rate(D, all(1), 'sesuai')
  await rate(E, all(1), 'di-bawah')
  for (const x of [A, B, C, D]) await accept(x)
  // Fajar: only his own answer and one peer's; Gita: nothing yet.
  await submit(F, 'self', F, all(3))
  await submit(F, 'peer', PEERS[0]!, all(3), { komentar: PEER_COMMENT })
  h.clock.set('2026-01-07T08:00:00.000Z')

  const json = async (key = viewer) => {
    const res = await call('GET', `/cycles/${cycle}/report`, { key, headers: { accept: 'application/json' } })
    expect(res.status, JSON.stringify(res.data)).toBe(200)
    return res.data
  }
  const setOrganisation = async (predikat: string) => {
    const rev = (await call('GET', `/cycles/${cycle}`)).data.cycle.rev
    expect((await call('PATCH', `/cycles/${cycle}`, { key: hr, json: { rev, params: { predikatOrganisasi: predikat } } })).status).toBe(200)
  }
  return { h, call, cycle, viewer, hr, otherViewer, json, setOrganisation }
}

describe('GET /cycles/{cycle}/report', () => {
  it('counts the predikat of final evaluations only, as the distribution rule does', async () => {
    const { json } = await setup()
    const d = await json()
    // Hand arithmetic, fulfilment = mean(score / required) over the four scored competencies:
    //  Ani   2,2,2,2: (1 + 2 + 2 + 1)/4 = 1.5 >= 1.1 di-atas; results di-atas   -> Sangat Baik
    //  Budi  2,2,2,2: 1.5 di-atas; results sesuai                          -> Baik
    //  Citra 1,2,2,2: (0.5 + 2 + 2 + 1)/4 = 1.375 di-atas; results sesuai   -> Baik
    //  Dedi  1,1,1,1: (0.5 + 1 + 1 + 0.5)/4 = 0.75 < 0.9 di-bawah; sesuai    -> Kurang/Misconduct
    //  Eka   1,1,1,1: di-bawah; results di-bawah -> Sangat Kurang, but still in her objection window
    // Final: Ani, Budi, Citra, Dedi = 4; not final: Eka, Fajar, Gita = 3.
    expect(d.employees).toBe(7)
    expect(d.byStatus).toEqual({ active: 3, done: 4, failed: 0 })
    expect(d.byState.map((s: any) => [s.state, s.count])).toEqual([['collect', 2], ['objection', 1], ['done', 4]])
    expect(d.distribution).toMatchObject({ counted: 4, pending: 3, organisation: null, pattern: null, quotas: null, hasQuotas: true })
    expect(d.distribution.predikat).toEqual([
      { name: 'Sangat Baik', count: 1, percent: 25 },
      { name: 'Baik', count: 2, percent: 50 },
      { name: 'Butuh Perbaikan', count: 0, percent: 0 },
      { name: 'Kurang/Misconduct', count: 1, percent: 25 },
      { name: 'Sangat Kurang', count: 0, percent: 0 },
    ])
    expect(d.rules).toEqual([
      expect.objectContaining({ rule: 'kurva-distribusi', level: 'warn', ok: false, findings: [expect.stringMatching(/^Kurva distribusi belum dapat diperiksa: predikat kinerja organisasi belum ditetapkan/)] }),
    ])
  })

  it("sets the counts next to the quotas of the organisation's predikat, with the rule's warnings", async () => {
    const { json, setOrganisation } = await setup()
    await setOrganisation('Istimewa')
    const istimewa = await json()
    // Istimewa: Sangat Baik must be the most frequent and at most 70%. 1 of 4 = 25% <= 70%, but Baik has 2 > 1.
    expect(istimewa.distribution).toMatchObject({ organisation: 'Istimewa', pattern: 'Istimewa' })
    expect(istimewa.distribution.quotas).toEqual([{ predikat: ['Sangat Baik'], terbanyak: true, maksPersen: 70, count: 1, percent: 25, met: false }])
    expect(istimewa.rules[0]).toMatchObject({ rule: 'kurva-distribusi', ok: false })
    expect(istimewa.rules[0].findings).toEqual([
      'Sangat Baik bukan predikat terbanyak (Baik 2 lawan Sangat Baik 1 dari 4 pegawai), padahal sebagian besar pegawai semestinya Sangat Baik bila predikat kinerja organisasi Istimewa.',
    ])

    await setOrganisation('Baik')
    const baik = await json()
    // Baik: Baik 2 of 4 = 50% <= 70% and no predikat has more than 2; Butuh Perbaikan + Kurang/Misconduct = 0 + 1 >= 1.
    expect(baik.distribution.quotas).toEqual([
      { predikat: ['Baik'], terbanyak: true, maksPersen: 70, count: 2, percent: 50, met: true },
      { predikat: ['Butuh Perbaikan', 'Kurang/Misconduct'], minPegawai: 1, count: 1, percent: 25, met: true },
    ])
    expect(baik.rules[0]).toMatchObject({ rule: 'kurva-distribusi', ok: true, findings: [] })

    await setOrganisation('Cukup')
    const cukup = await json()
    // Cukup is another name of Butuh Perbaikan: at least 60% Butuh Perbaikan (0 of 4), Sangat Baik at most 10% (1 of 4 = 25%).
    expect(cukup.distribution).toMatchObject({ organisation: 'Cukup', pattern: 'Butuh Perbaikan' })
    expect(cukup.distribution.quotas.map((q: any) => [q.predikat, q.count, q.met])).toEqual([
      [['Butuh Perbaikan'], 0, false],
      [['Sangat Baik'], 1, false],
    ])
    expect(cukup.rules[0].findings).toEqual([
      'Butuh Perbaikan: 0 dari 4 pegawai (0%), padahal paling sedikit 60% (3 orang) bila predikat kinerja organisasi Cukup.',
      'Sangat Baik: 1 dari 4 pegawai (25%), padahal paling banyak 10% (0 orang) bila predikat kinerja organisasi Cukup.',
    ])
  })

  it('says who is still awaited per state and role, naming attributed raters and only counting peers', async () => {
    const { json, cycle } = await setup()
    const d = await json()
    // Collect deadline: start 2026-01-05 08:00 + P14D. Eka's objection window: her result on 2026-01-06 08:00 + P14D.
    const collectDue = '2026-01-19T08:00:00.000Z'
    const objectionDue = '2026-01-20T08:00:00.000Z'
    expect(d.completion.map((g: any) => [g.state, g.role, g.anonymous, g.appraisals, g.remaining, g.due])).toEqual([
      ['collect', 'self', false, 1, 1, collectDue], // Gita herself
      ['collect', 'supervisor', false, 2, 2, collectDue], // Fajar's and Gita's supervisor
      ['collect', 'peer', true, 2, 5, collectDue], // Fajar 3 - 1 = 2, Gita 3
      ['objection', 'self', false, 1, 1, objectionDue], // Eka accepts or objects
    ])
    const [self, supervisor, peer, objection] = d.completion
    expect(self.waiting).toEqual([{ instance: `${cycle}.${G}`, nip: G, name: 'Gita Permata', remaining: 1, due: collectDue, overdue: false, awaited: [{ nip: G, name: 'Gita Permata' }] }])
    // The supervisor is not on the roster: named by NIP only.
    expect(supervisor.waiting.map((w: any) => [w.nip, w.awaited])).toEqual([
      [F, [{ nip: SUP, name: null }]],
      [G, [{ nip: SUP, name: null }]],
    ])
    expect(peer.waiting.map((w: any) => [w.nip, w.remaining])).toEqual([[F, 2], [G, 3]])
    expect(peer.waiting.every((w: any) => !('awaited' in w))).toBe(true)
    expect(objection.waiting.map((w: any) => [w.name, w.awaited])).toEqual([['Eka <b>Putri</b>', [{ nip: E, name: 'Eka <b>Putri</b>' }]]])
    expect(d.deadlines).toEqual([
      { state: 'collect', stateTitle: expect.any(Object), appraisals: 2, earliest: collectDue, latest: collectDue, overdue: 0 },
      { state: 'objection', stateTitle: expect.any(Object), appraisals: 1, earliest: objectionDue, latest: objectionDue, overdue: 0 },
    ])
  })

  it('never shows a peer: no peer NIP and no peer comment in the model or the page', async () => {
    const { json, call, cycle, viewer } = await setup()
    const text = JSON.stringify(await json())
    const page = (await call('GET', `/cycles/${cycle}/report`, { key: viewer })).data as string
    for (const p of PEERS) {
      expect(text).not.toContain(p)
      expect(page).not.toContain(p)
    }
    expect(text).not.toContain('RAHASIA-REKAN')
    expect(page).not.toContain('RAHASIA-REKAN')
  })

  it('counts the 9-box, the training needs with their JP and the gaps across the office', async () => {
    const { json, cycle } = await setup()
    const d = await json()
    // JPM = sum(min(score, required)) / (2 + 1 + 1 + 2) x 100; potential >= 90 high, >= 78 medium, else low.
    //  Ani   (2+1+1+2)/6 = 100 high, Sangat Baik above  -> box 9
    //  Budi  100 high, Baik meets                         -> box 8
    //  Citra (1+1+1+2)/6 = 83.3 medium, Baik meets        -> box 5
    //  Dedi  (1+1+1+1)/6 = 66.7 low, Kurang/Misconduct below -> box 1
    //  Eka   66.7 low, Sangat Kurang below                -> box 1 (her result counts before the window closes)
    const counts = Object.fromEntries(d.nineBox.cells.map((c: any) => [c.box, c.count]))
    expect(counts).toEqual({ 1: 2, 2: 0, 3: 0, 4: 0, 5: 1, 6: 0, 7: 0, 8: 1, 9: 1 })
    expect(d.nineBox).toMatchObject({ counted: 5, without: 0 })
    expect(d.nineBox.cells.map((c: any) => c.box)).toEqual([6, 8, 9, 3, 5, 7, 1, 2, 4])
    const box1 = d.nineBox.cells.find((c: any) => c.box === 1)
    expect(box1).toMatchObject({ potential: 'low', performance: 'below', talentPool: false, followUp: { id: 'Diproses sesuai ketentuan peraturan perundang-undangan', en: 'Processed under the regulations' } })
    expect(box1.employees.map((e: any) => e.instance)).toEqual([`${cycle}.${D}`, `${cycle}.${E}`])
    expect(d.nineBox.cells.filter((c: any) => c.talentPool).map((c: any) => c.box).sort()).toEqual([7, 8, 9])

    // Gaps (score - required < 0): Citra integritas 1 - 2 = -1; Dedi and Eka integritas -1 and pelayanan-publik -1.
    // Training: a gap of 1 level -> integritas 1 x 8 JP, pelayanan-publik 1 x 12 JP; below 20 JP a general item tops up:
    //  Ani 20, Budi 20, Citra 20 - 8 = 12 -> general 3 employees, 52 JP; integritas 3 x 8 = 24 JP; pelayanan-publik 2 x 12 = 24 JP.
    expect(d.training.map((n: any) => [n.competency, n.employees, n.jp])).toEqual([
      [null, 3, 52],
      ['integritas', 3, 24],
      ['pelayanan-publik', 2, 24],
    ])
    expect(d.training[1]).toMatchObject({ title: 'Pelatihan Integritas dan Budaya Antikorupsi', route: 'klasikal', name: { id: 'Integritas', en: 'Integrity' } })
    expect(d.gaps).toEqual([
      { competency: 'integritas', name: { id: 'Integritas', en: 'Integrity' }, employees: 3, meanGap: -1, largestGap: -1 },
      { competency: 'pelayanan-publik', name: { id: 'Pelayanan Publik', en: 'Public service' }, employees: 2, meanGap: -1, largestGap: -1 },
    ])
  })

  it("links each employee's report, in roster order, with predikat and box", async () => {
    const { json, cycle } = await setup()
    const d = await json()
    expect(d.reports.map((r: any) => [r.name, r.state, r.predikat, r.box, r.report])).toEqual([
      ['Ani Lestari', 'done', 'Sangat Baik', 9, `/instances/${cycle}.${A}/report`],
      ['Budi Santoso', 'done', 'Baik', 8, `/instances/${cycle}.${B}/report`],
      ['Citra Dewi', 'done', 'Baik', 5, `/instances/${cycle}.${C}/report`],
      ['Dedi Kurniawan', 'done', 'Kurang/Misconduct', 1, `/instances/${cycle}.${D}/report`],
      ['Eka <b>Putri</b>', 'objection', 'Sangat Kurang', 1, `/instances/${cycle}.${E}/report`],
      ['Fajar Nugraha', 'collect', null, null, `/instances/${cycle}.${F}/report`],
      ['Gita Permata', 'collect', null, null, `/instances/${cycle}.${G}/report`],
    ])
  })

  it('renders the page in Indonesian by default and in English by ?lang=en or Accept-Language', async () => {
    const { call, cycle, viewer } = await setup()
    const id = await call('GET', `/cycles/${cycle}/report`, { key: viewer })
    expect(id.status).toBe(200)
    expect(id.type).toMatch(/^text\/html/)
    const page = id.data as string
    expect(page).toContain('<html lang="id">')
    expect(page).toContain('<h2>Distribusi predikat kinerja pegawai</h2>')
    expect(page).toContain('<h2>Peta talenta: 9 kotak (PermenPANRB 3/2020)</h2>')
    expect(page).toContain('Pengisian penilaian diri, atasan dan rekan kerja')
    // Seven report links, the bars of the five predikat with their counts, nine boxes.
    expect(page.match(/class="report-link"/g)).toHaveLength(7)
    expect([...page.matchAll(/<rect class="bar" data-predikat="([^"]+)" data-count="(\d+)"/g)].map((m) => [m[1], Number(m[2])])).toEqual([
      ['Sangat Baik', 1], ['Baik', 2], ['Butuh Perbaikan', 0], ['Kurang/Misconduct', 1], ['Sangat Kurang', 0],
    ])
    expect(page.match(/<td class="box" data-box="\d"/g)).toHaveLength(9)
    // A name from the roster is text, never markup.
    expect(page).toContain('Eka &lt;b&gt;Putri&lt;/b&gt;')
    expect(page).not.toContain('Eka <b>Putri</b>')

    const en = (await call('GET', `/cycles/${cycle}/report?lang=en`, { key: viewer })).data as string
    expect(en).toContain('<html lang="en">')
    expect(en).toContain('<h2>Distribution of employee predikat</h2>')
    expect(en).toContain('Collect self, supervisor and peer assessments')
    expect(en).not.toContain('Distribusi predikat kinerja pegawai')
    const accept = (await call('GET', `/cycles/${cycle}/report`, { key: viewer, headers: { 'accept-language': 'en-US,en;q=0.9,id;q=0.5' } })).data as string
    expect(accept).toContain('<h2>Talent map: 9-box (PermenPANRB 3/2020)</h2>')
    // ?lang wins over Accept-Language.
    const forced = (await call('GET', `/cycles/${cycle}/report?lang=id`, { key: viewer, headers: { 'accept-language': 'en' } })).data as string
    expect(forced).toContain('<html lang="id">')
  })

  it('draws the quota limits of a single predikat on the chart once the organisation has a predikat', async () => {
    const { call, cycle, viewer, setOrganisation } = await setup()
    const before = (await call('GET', `/cycles/${cycle}/report`, { key: viewer })).data as string
    expect(before).not.toContain('class="quota-max"')
    expect(before).toContain('Predikat kinerja organisasi belum ditetapkan')
    await setOrganisation('Kurang')
    const page = (await call('GET', `/cycles/${cycle}/report`, { key: viewer })).data as string
    // Kurang: Kurang/Misconduct >= 60%, Butuh Perbaikan >= 10%, Sangat Baik <= 10%.
    expect([...page.matchAll(/<line class="(quota-\w+)" data-predikat="([^"]+)" data-percent="([\d.]+)"/g)].map((m) => [m[1], m[2], Number(m[3])])).toEqual([
      ['quota-max', 'Sangat Baik', 10],
      ['quota-min', 'Butuh Perbaikan', 10],
      ['quota-min', 'Kurang/Misconduct', 60],
    ])
    expect(page).toContain('Kurang/Misconduct: 1 dari 4 pegawai (25%), padahal paling sedikit 60% (3 orang) bila predikat kinerja organisasi Kurang.')
  })

  it('is for HR and the viewers of the office: another office gets 403, no key 401, an unknown cycle 404', async () => {
    const { call, cycle, viewer, hr, otherViewer } = await setup()
    expect((await call('GET', `/cycles/${cycle}/report`, { key: viewer })).status).toBe(200)
    expect((await call('GET', `/cycles/${cycle}/report`, { key: hr, headers: { accept: 'application/json' } })).status).toBe(200)
    const other = await call('GET', `/cycles/${cycle}/report`, { key: otherViewer })
    expect(other.status).toBe(403)
    expect(other.type).toMatch(/problem\+json/)
    expect(JSON.stringify(other.data)).not.toContain('Ani Lestari')
    expect((await call('GET', `/cycles/${cycle}/report`, { key: null })).status).toBe(401)
    expect((await call('GET', '/cycles/cyc_tidakada/report', { key: viewer })).status).toBe(404)
    for (const ext of ['csv', 'xlsx']) {
      expect((await call('GET', `/cycles/${cycle}/export.${ext}`, { key: otherViewer })).status).toBe(403)
      expect((await call('GET', `/cycles/${cycle}/export.${ext}`, { key: null })).status).toBe(401)
    }
  })

  it('is never kept by a shared cache', async () => {
    const { h, cycle, viewer } = await setup()
    const res = await h.app.request(`/cycles/${cycle}/report`, { headers: { authorization: `Bearer ${viewer}` } })
    expect(res.headers.get('cache-control')).toBe('private, no-store')
    expect(res.headers.get('content-language')).toBe('id')
  })

  it('shows the quotas of a package without a 9-box or a training plan (SKP) and leaves those parts out', async () => {
    const h = await harness()
    const skp = (await loadPackage(await readPackageDir(SKP_DIR))).package!
    const app = createApp({ ...h.deps, packages: createPackageRegistry(h.store, loadPackage, [h.pkg, skp]) })
    const call = async (method: string, path: string, json?: unknown, accept = 'application/json') => {
      const res = await app.request(path, { method, headers: { authorization: `Bearer ${h.admin}`, accept, ...(json ? { 'content-type': 'application/json' } : {}) }, body: json ? JSON.stringify(json) : undefined })
      return { status: res.status, data: accept === 'application/json' ? ((await res.json()) as any) : await res.text() }
    }
    await call('POST', '/offices', { id: OFFICE, name: 'Kecamatan Plaju' })
    const cycle = (await call('POST', `/offices/${OFFICE}/cycles`, { name: 'SKP 2026', package: skp.id, params: { tahun: 2026, predikatOrganisasi: 'Baik' } })).data.id
    const staff = [1, 2].map((n) => ({ nip: nip(n), name: `Staf ${n}`, position: 'pelaksana', unit: 'Seksi Pelayanan Umum', supervisor: SUP, superior: SUPERIOR, peers: [] }))
    expect((await call('PUT', `/cycles/${cycle}/roster`, staff)).status).toBe(200)
    expect((await call('POST', `/cycles/${cycle}/start`)).status).toBe(200)
    const d = (await call('GET', `/cycles/${cycle}/report`)).data
    expect(d).toMatchObject({ nineBox: null, training: null, gaps: null })
    // Nobody is final yet: the counts are 0 of 0 and no quota is judged (the rule says nothing either).
    expect(d.distribution).toMatchObject({ counted: 0, pending: 2, organisation: 'Baik', pattern: 'Baik', hasQuotas: true })
    expect(d.distribution.quotas.map((q: any) => [q.count, q.percent, q.met])).toEqual([[0, null, null], [0, null, null]])
    expect(d.rules.map((r: any) => [r.rule, r.ok])).toEqual([['predikat-organisasi', true], ['kurva-distribusi', true]])
    const page = (await call('GET', `/cycles/${cycle}/report`, undefined, 'text/html')).data as string
    expect(page).toContain('Paket ini tidak menghitung kotak talenta.')
    expect(page).not.toContain('id="training"')
  })
})
