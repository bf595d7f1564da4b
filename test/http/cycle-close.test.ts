import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { readPackageDir } from '../../src/entry/package-files.ts'
import { loadPackage } from '../../src/package/load-package.ts'
import type { LoadedPackage } from '../../src/package/loaded-package.ts'
import { createPackageRegistry } from '../../src/services/package-registry.ts'
import { applyEvent, tick } from '../../src/services/instances.ts'
import { hmacSha256Hex } from '../../src/util/crypto.ts'
import { harness } from '../support/harness.ts'

const SKP_DIR = new URL('../../workflows/skp-berakhlak-2022/', import.meta.url).pathname
const OFFICE = 'kecamatan-plaju'
const SUPERVISOR = '198303102006041003'
const SUPERIOR = '197604152000031002'
const STAFF = ['199509302022032001', '199509302022032002', '199509302022032003', '199509302022032004']
const VALUES = ['berorientasi_pelayanan', 'akuntabel', 'kompeten', 'harmonis', 'loyal', 'adaptif', 'kolaboratif']
const DAY = 24 * 60 * 60 * 1000

async function load(files: Record<string, string>): Promise<LoadedPackage> {
  const { package: pkg, problems } = await loadPackage(files)
  if (!pkg) throw new Error(JSON.stringify(problems, null, 2))
  return pkg
}

/** The SKP package as `skp-uji`, with one more blocking rule whose check fails on a year written in words. */
async function packageWithFailingRule(): Promise<LoadedPackage> {
  const files = await readPackageDir(SKP_DIR)
  const wf = JSON.parse(files['workflow.json']!)
  wf.id = 'skp-uji'
  wf.cycleRules.tahun = { level: 'block', title: { id: 'Tahun siklus' }, check: "$number(cycle.params.tahun) >= 2022 ? null : 'Tahun sebelum PermenPANRB 6/2022.'" }
  return load({ ...files, 'workflow.json': JSON.stringify(wf) })
}

/** A running SKP cycle of the 4 staff of one supervisor, on an app that also has the SKP package. */
async function setup(opts: { packageId?: string; params?: Record<string, unknown> } = {}) {
  const h = await harness()
  const skp = await load(await readPackageDir(SKP_DIR))
  const deps = { ...h.deps, packages: createPackageRegistry(h.store, loadPackage, [h.pkg, skp, await packageWithFailingRule()]) }
  const app = createApp(deps)
  /** `key: null` sends no key (a webhook). */
  const call = async (method: string, path: string, o: { json?: unknown; body?: string; key?: string | null; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...(o.key === null ? {} : { authorization: `Bearer ${o.key ?? h.admin}` }), ...o.headers }
    if (o.json !== undefined || o.body !== undefined) headers['content-type'] ??= 'application/json'
    const res = await app.request(path, { method, headers, body: o.json !== undefined ? JSON.stringify(o.json) : o.body })
    return { status: res.status, type: res.headers.get('content-type') ?? '', data: (await res.json()) as any }
  }
  await call('POST', '/offices', { json: { id: OFFICE, name: 'Kecamatan Plaju' } })
  const keyOf = async (role: string) => (await call('POST', `/offices/${OFFICE}/keys`, { json: { role } })).data as { key: string; id: string }
  const hr = await keyOf('hr')
  const viewer = await keyOf('viewer')
  const created = await call('POST', `/offices/${OFFICE}/cycles`, { json: { name: 'SKP 2026', package: opts.packageId ?? skp.id, params: opts.params ?? { tahun: 2026 } } })
  expect(created.status, JSON.stringify(created.data)).toBe(201)
  const cycle = created.data.id as string
  const roster = STAFF.map((nip, i) => ({ nip, name: `Staf ${i + 1}`, position: 'pelaksana', unit: 'Seksi Pelayanan Umum', supervisor: SUPERVISOR, superior: SUPERIOR, peers: [] }))
  expect((await call('PUT', `/cycles/${cycle}/roster`, { json: roster })).status).toBe(200)
  expect((await call('POST', `/cycles/${cycle}/start`)).status).toBe(200)

  const submit = (nip: string, form: string, role: string, rater: string, answers: Record<string, unknown>) =>
    applyEvent(deps, `${cycle}.${nip}`, { type: 'submission', submission: { form, role, subject: nip, rater, answers, receipt: `r-${form}-${nip}`, receivedAt: h.clock.now().toISOString() } })
  /** The self-assessment and the supervisor's two forms: the appraisal waits in `keberatan` with its predikat. */
  const rate = async (nip: string, hasil: 'di-bawah' | 'sesuai' | 'di-atas', perilaku: 1 | 2 | 3) => {
    await submit(nip, 'diri', 'self', nip, { ...Object.fromEntries(VALUES.map((v) => [v, 2])), bukti_dukung: 'Laporan kegiatan terlampir.' })
    await submit(nip, 'perilaku', 'supervisor', SUPERVISOR, Object.fromEntries(VALUES.map((v) => [v, perilaku])))
    const last = await submit(nip, 'hasil-kerja', 'supervisor_hasil', SUPERVISOR, {
      rhk_1: 'Terlaksananya pelayanan administrasi', rhk_1_indikator: 'Dokumen diproses', rhk_1_target: '400 dokumen', rhk_1_realisasi: '400 dokumen', rhk_1_rating: hasil, ratingHasilKerja: hasil,
    })
    expect(last.instance.state).toBe('keberatan')
    return last.instance.vars.predikat
  }
  /** Rated and accepted by the employee: done, with a final predikat. */
  const finish = async (nip: string, hasil: 'di-bawah' | 'sesuai' | 'di-atas', perilaku: 1 | 2 | 3) => {
    const predikat = await rate(nip, hasil, perilaku)
    const accepted = await call('POST', `/instances/${cycle}.${nip}/actions/accept`, { json: { actor: nip } })
    expect(accepted.status, JSON.stringify(accepted.data)).toBe(200)
    return predikat
  }
  const rev = async () => (await call('GET', `/cycles/${cycle}`)).data.cycle.rev as number
  return { h, deps, call, cycle, hr, viewer, rate, finish, rev }
}

const KURVA_BAIK = [
  'Baik: 3 dari 3 pegawai (100%), padahal paling banyak 70% (2 orang) bila predikat kinerja organisasi Baik.',
  'Butuh Perbaikan atau Kurang/Misconduct: 0 dari 3 pegawai, padahal harus ada paling sedikit 1 pegawai bila predikat kinerja organisasi Baik.',
]

describe('GET /cycles/{cycle}/rules', () => {
  it("evaluates the package's rules now for a viewer, and follows the organisation's predikat HR sets later", async () => {
    const { call, cycle, hr, viewer, finish, rev } = await setup()
    const before = await call('GET', `/cycles/${cycle}/rules`, { key: viewer.key })
    expect(before.status).toBe(200)
    expect(before.data.broken).toEqual({ warn: 1, block: 1 })
    expect(before.data.rules.map((r: any) => [r.rule, r.level, r.ok])).toEqual([
      ['predikat-organisasi', 'block', false],
      ['kurva-distribusi', 'warn', false],
    ])
    expect(before.data.rules[1].findings).toEqual([expect.stringMatching(/^Kurva distribusi belum dapat diperiksa: predikat kinerja organisasi belum ditetapkan/)])

    // Hasil sesuai x perilaku sesuai (all 2) -> Baik, for three of the four; the fourth has not started.
    for (const nip of STAFF.slice(0, 3)) expect(await finish(nip, 'sesuai', 2)).toBe('Baik')
    const patched = await call('PATCH', `/cycles/${cycle}`, { key: hr.key, json: { rev: await rev(), params: { predikatOrganisasi: 'Baik' } } })
    expect(patched.status, JSON.stringify(patched.data)).toBe(200)
    expect(patched.data.params).toEqual({ tahun: 2026, predikatOrganisasi: 'Baik' })

    // Baik 3/3 = 100% > 70% (70% of 3 = 2.1: 2 people); Butuh Perbaikan + Kurang = 0 < 1.
    const baik = (await call('GET', `/cycles/${cycle}/rules`, { key: viewer.key })).data
    expect(baik.broken).toEqual({ warn: 1, block: 0 })
    expect(baik.rules[0]).toMatchObject({ rule: 'predikat-organisasi', ok: true, findings: [] })
    expect(baik.rules[1]).toMatchObject({ rule: 'kurva-distribusi', ok: false, findings: KURVA_BAIK })

    // Istimewa: Sangat Baik 0/3 is under the 70% cap, but Baik (3) outnumbers it (0).
    await call('PATCH', `/cycles/${cycle}`, { key: hr.key, json: { rev: await rev(), params: { predikatOrganisasi: 'Istimewa' } } })
    const istimewa = (await call('GET', `/cycles/${cycle}/rules`)).data
    expect(istimewa.rules[1].findings).toEqual([
      'Sangat Baik bukan predikat terbanyak (Baik 3 lawan Sangat Baik 0 dari 3 pegawai), padahal sebagian besar pegawai semestinya Sangat Baik bila predikat kinerja organisasi Istimewa.',
    ])
  })

  it('reports a rule whose check fails as broken with its error, never as a server error', async () => {
    const { call, cycle } = await setup({ packageId: 'skp-uji', params: { tahun: 'dua ribu dua puluh enam', predikatOrganisasi: 'Baik' } })
    const res = await call('GET', `/cycles/${cycle}/rules`)
    expect(res.status).toBe(200)
    const tahun = res.data.rules.find((r: any) => r.rule === 'tahun')
    expect(tahun).toMatchObject({ level: 'block', ok: false, error: expect.stringContaining('workflow.json /cycleRules/tahun/check') })
    expect(tahun.findings[0]).toMatch(/^Aturan ini tidak dapat diperiksa: /)
    expect(res.data.broken).toEqual({ warn: 0, block: 1 })
  })
})

describe('PATCH /cycles/{cycle}', () => {
  it('merges params (null removes one) and renames, refusing a stale rev without changing anything', async () => {
    const { call, cycle, hr } = await setup()
    const first = await call('PATCH', `/cycles/${cycle}`, { key: hr.key, json: { rev: 2, name: 'SKP Tahunan 2026', params: { predikatOrganisasi: 'Baik', tahun: null } } })
    expect(first.status, JSON.stringify(first.data)).toBe(200)
    expect(first.data).toMatchObject({ name: 'SKP Tahunan 2026', params: { predikatOrganisasi: 'Baik' }, rev: 3 })
    expect(first.data.params).not.toHaveProperty('tahun')

    const stale = await call('PATCH', `/cycles/${cycle}`, { key: hr.key, json: { rev: 2, params: { predikatOrganisasi: 'Kurang' } } })
    expect(stale.status).toBe(409)
    expect(stale.data.detail).toMatch(/changed by someone else/)
    expect((await call('GET', `/cycles/${cycle}`)).data.cycle).toMatchObject({ rev: 3, params: { predikatOrganisasi: 'Baik' } })
  })

  it('is for HR, not viewers', async () => {
    const { call, cycle, viewer } = await setup()
    expect((await call('PATCH', `/cycles/${cycle}`, { key: viewer.key, json: { rev: 2, name: 'X' } })).status).toBe(403)
  })

  it('answers hostile bodies with a 4xx problem', async () => {
    const { call, cycle, hr } = await setup()
    const patch = (body: string) => call('PATCH', `/cycles/${cycle}`, { key: hr.key, body })
    const deep = `{"rev":2,"params":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`
    const bodies: [string, number][] = [
      ['{"rev":2,"params":[1,2]}', 422],
      ['{"rev":2,"params":{"__proto__":{"admin":true}}}', 422],
      ['{"rev":2,"params":{"predikat-organisasi":"Baik"}}', 422],
      ['{"rev":2,"status":"closed"}', 422],
      ['{"params":{"predikatOrganisasi":"Baik"}}', 422],
      ['{"rev":"2"}', 422],
      ['{"rev":2,"name":""}', 422],
      [`{"rev":2,"params":{"catatan":"${'x'.repeat(70 * 1024)}"}}`, 422],
      [deep, 422],
      ['{"rev":2,', 400],
    ]
    for (const [body, status] of bodies) {
      const res = await patch(body)
      expect([body.slice(0, 60), res.status, res.type]).toEqual([body.slice(0, 60), status, 'application/problem+json'])
    }
    expect((await call('GET', `/cycles/${cycle}`)).data.cycle).toMatchObject({ rev: 2, params: { tahun: 2026 } })
    expect(({} as Record<string, unknown>).admin).toBeUndefined()
  })
})

describe('POST /cycles/{cycle}/close', () => {
  it('answers hostile bodies with a 4xx problem and stays open', async () => {
    const { call, cycle } = await setup({ params: { predikatOrganisasi: 'Baik' } })
    for (const [body, status] of [['{"force":"yes"}', 422], ['{"force":true,"status":"closed"}', 422], ['[true]', 422], ['{"force":', 400]] as const) {
      const res = await call('POST', `/cycles/${cycle}/close`, { body })
      expect([body, res.status, res.type]).toEqual([body, status, 'application/problem+json'])
    }
    expect((await call('GET', `/cycles/${cycle}`)).data.cycle.status).toBe('running')
  })

  it('refuses a draft cycle and a viewer', async () => {
    const { call, cycle, viewer } = await setup()
    const draft = await call('POST', `/offices/${OFFICE}/cycles`, { json: { name: 'Belum mulai', package: 'skp-berakhlak-2022' } })
    const res = await call('POST', `/cycles/${draft.data.id}/close`)
    expect(res.status).toBe(409)
    expect(res.data.detail).toMatch(/is a draft/)
    expect((await call('POST', `/cycles/${cycle}/close`, { key: viewer.key })).status).toBe(403)
  })

  it('refuses while a blocking rule is broken, naming the rule and its findings, even with force', async () => {
    const { call, cycle, hr } = await setup()
    for (const body of [undefined, { force: true }]) {
      const res = await call('POST', `/cycles/${cycle}/close`, { key: hr.key, json: body })
      expect(res.status).toBe(409)
      expect(res.data.code).toBe('cycle-rules-broken')
      expect(res.data.detail).toContain("'Predikat kinerja organisasi sudah ditetapkan'")
      expect(res.data.rules).toEqual([expect.objectContaining({ rule: 'predikat-organisasi', level: 'block', ok: false, findings: [expect.stringMatching(/^Predikat kinerja organisasi belum ditetapkan/)] })])
    }
    expect((await call('GET', `/cycles/${cycle}`)).data.cycle.status).toBe('running')
  })

  it('keeps the cycle open while a blocking rule cannot be checked', async () => {
    const { call, cycle } = await setup({ packageId: 'skp-uji', params: { tahun: 'dua ribu dua puluh enam', predikatOrganisasi: 'Baik' } })
    const res = await call('POST', `/cycles/${cycle}/close`, { json: { force: true } })
    expect(res.status).toBe(409)
    expect(res.data.code).toBe('cycle-rules-broken')
    expect(res.data.rules).toEqual([expect.objectContaining({ rule: 'tahun', error: expect.stringContaining('/cycleRules/tahun/check') })])
  })

  it('refuses while appraisals are unfinished, then closes with force and keeps what the rules said', async () => {
    const { h, call, cycle, hr, rate, finish, rev } = await setup()
    for (const nip of STAFF.slice(0, 3)) await finish(nip, 'sesuai', 2)
    // Hasil di-bawah x perilaku sesuai -> Butuh Perbaikan, still in the objection window.
    expect(await rate(STAFF[3]!, 'di-bawah', 2)).toBe('Butuh Perbaikan')
    await call('PATCH', `/cycles/${cycle}`, { key: hr.key, json: { rev: await rev(), params: { predikatOrganisasi: 'Baik' } } })

    const refused = await call('POST', `/cycles/${cycle}/close`, { key: hr.key })
    expect(refused.status).toBe(409)
    expect(refused.data).toMatchObject({ code: 'conflict', unfinished: { active: 1, failed: 0 } })
    expect(refused.data.detail).toMatch(/^1 appraisal is not finished \(1 active, 0 failed\)/)

    h.clock.advance(DAY)
    const closed = await call('POST', `/cycles/${cycle}/close`, { key: hr.key, json: { force: true } })
    expect(closed.status, JSON.stringify(closed.data)).toBe(200)
    expect(closed.data.cycle).toMatchObject({
      status: 'closed',
      closedAt: h.clock.now().toISOString(),
      closedBy: hr.id,
      closing: { unfinished: { active: 1, failed: 0 }, forced: true },
    })
    // The warning does not stop the close; it is kept. Only the 3 final appraisals count (all
    // Baik): the Butuh Perbaikan still in its objection window does not.
    const kurva = closed.data.cycle.closing.rules.find((r: any) => r.rule === 'kurva-distribusi')
    expect(kurva).toMatchObject({ level: 'warn', ok: false, findings: KURVA_BAIK })
    expect(closed.data.rules).toEqual(closed.data.cycle.closing.rules)
    expect((await call('GET', `/cycles/${cycle}`)).data.cycle.closing).toEqual(closed.data.cycle.closing)

    const again = await call('POST', `/cycles/${cycle}/close`, { key: hr.key, json: { force: true } })
    expect(again.status).toBe(409)
    expect(again.data.detail).toMatch(/already closed/)
  })

  it('closes without force once every appraisal is done', async () => {
    const { call, cycle, finish, rev } = await setup()
    // 3 x (sesuai, sesuai) -> Baik, 1 x (di-bawah, sesuai) -> Butuh Perbaikan: Baik 3/4 = 75% > 70%.
    for (const nip of STAFF.slice(0, 3)) await finish(nip, 'sesuai', 2)
    await finish(STAFF[3]!, 'di-bawah', 2)
    await call('PATCH', `/cycles/${cycle}`, { json: { rev: await rev(), params: { predikatOrganisasi: 'Baik' } } })
    const closed = await call('POST', `/cycles/${cycle}/close`)
    expect(closed.status, JSON.stringify(closed.data)).toBe(200)
    expect(closed.data.cycle.closing).toMatchObject({ unfinished: { active: 0, failed: 0 }, forced: false })
    expect(closed.data.rules[1].findings).toEqual(['Baik: 3 dari 4 pegawai (75%), padahal paling banyak 70% (2 orang) bila predikat kinerja organisasi Baik.'])
  })
})

describe('a closed cycle', () => {
  /** A cycle closed with force while one appraisal waits in its objection window, with a hook for self-assessments. */
  async function closedCycle() {
    const s = await setup()
    const hook = (await s.call('POST', `/cycles/${s.cycle}/bindings`, { json: { plugin: 'json', form: 'diri' } })).data
    for (const nip of STAFF.slice(0, 2)) await s.finish(nip, 'sesuai', 2)
    await s.rate(STAFF[2]!, 'di-bawah', 2)
    await s.call('PATCH', `/cycles/${s.cycle}`, { json: { rev: await s.rev(), params: { predikatOrganisasi: 'Baik' } } })
    expect((await s.call('POST', `/cycles/${s.cycle}/close`, { json: { force: true } })).status).toBe(200)
    return { ...s, hook }
  }

  it('takes no more actions, and its deadlines never fire', async () => {
    const { h, deps, call, cycle } = await closedCycle()
    const id = `${cycle}.${STAFF[2]}`
    const events = (await call('GET', `/instances/${id}/events`)).data.events.length
    const action = await call('POST', `/instances/${id}/actions/accept`, { json: { actor: STAFF[2] } })
    expect(action.status).toBe(409)
    expect(action.data.detail).toMatch(/closed/)

    // Past the 14-day objection window: an open cycle would make the result final now.
    h.clock.advance(20 * DAY)
    await tick(deps)
    const after = (await call('GET', `/instances/${id}`)).data
    expect(after).toMatchObject({ state: 'keberatan', status: 'active' })
    expect((await call('GET', `/instances/${id}/events`)).data.events).toHaveLength(events)
  })

  it('refuses a webhook submission with 409 but keeps its receipt, also on a retry and a replay', async () => {
    const { call, cycle, hook } = await closedCycle()
    const nip = STAFF[3]!
    const body = JSON.stringify({ id: `diri-${nip}`, subject: nip, rater: nip, answers: { ...Object.fromEntries(VALUES.map((v) => [v, 2])), bukti_dukung: 'Terlambat, tetapi lengkap.' } })
    const send = async () => call('POST', `/hooks/${hook.id}`, { key: null, body, headers: { 'x-kinerja-signature': `sha256=${await hmacSha256Hex(hook.secret, body)}` } })

    const first = await send()
    expect(first.status).toBe(409)
    expect(first.data).toMatchObject({ code: 'conflict', receipt: expect.stringMatching(/^rcp_/) })
    expect(first.data.detail).toMatch(/^cycle closed: /)

    const listed = (await call('GET', `/cycles/${cycle}/receipts?status=rejected`)).data.receipts
    expect(listed).toEqual([expect.objectContaining({ id: first.data.receipt, status: 'rejected', subject: nip, attempts: 1, reasons: [expect.stringMatching(/^cycle closed: cycle '.+' was closed at .+; this submission is kept but does not count$/)] })])

    const retry = await send()
    expect(retry.status).toBe(409)
    expect(retry.data.receipt).toBe(first.data.receipt)

    const replay = await call('POST', `/receipts/${first.data.receipt}/replay`)
    expect(replay.status).toBe(409)
    expect(replay.data.detail).toMatch(/^cycle closed: .* a receipt cannot be replayed into it/)
    const kept = (await call('GET', `/receipts/${first.data.receipt}`)).data
    expect(kept).toMatchObject({ status: 'rejected', attempts: 2 })
    expect(kept.body).toBe(body)

    const instance = (await call('GET', `/instances/${cycle}.${nip}`)).data
    expect(instance.state).toBe('pengisian-diri')
    expect(instance.responses).toEqual({})
  })

  it('refuses a submission that was on its way while the cycle closed in the same way', async () => {
    const { deps, call, cycle, hook } = await closedCycle()
    // The intake read the cycle just before it closed; the instance's own check then finds it closed.
    const getCycle = deps.store.getCycle.bind(deps.store)
    let stale = true
    deps.store.getCycle = async (id) => {
      const found = await getCycle(id)
      if (!stale || !found) return found
      stale = false
      return { ...found, status: 'running' }
    }
    const nip = STAFF[3]!
    const body = JSON.stringify({ id: `diri-${nip}`, subject: nip, rater: nip, answers: { ...Object.fromEntries(VALUES.map((v) => [v, 2])), bukti_dukung: 'Dikirim tepat saat siklus ditutup.' } })
    const res = await call('POST', `/hooks/${hook.id}`, { key: null, body, headers: { 'x-kinerja-signature': `sha256=${await hmacSha256Hex(hook.secret, body)}` } })
    expect(stale).toBe(false)
    expect(res.status).toBe(409)
    expect(res.data.detail).toMatch(/^cycle closed: /)
    const receipt = (await call('GET', `/receipts/${res.data.receipt}`)).data
    expect(receipt).toMatchObject({ status: 'rejected', subject: nip, reasons: [expect.stringMatching(/^cycle closed: /)] })
    expect((await call('GET', `/instances/${cycle}.${nip}`)).data.responses).toEqual({})
  })

  it('keeps its name and params', async () => {
    const { call, cycle, rev } = await closedCycle()
    const res = await call('PATCH', `/cycles/${cycle}`, { json: { rev: await rev(), params: { predikatOrganisasi: 'Istimewa' } } })
    expect(res.status).toBe(409)
    expect(res.data.detail).toMatch(/is closed/)
    expect((await call('GET', `/cycles/${cycle}/rules`)).status).toBe(200)
  })
})
