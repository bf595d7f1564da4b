import { describe, expect, it } from 'vitest'
import { instanceId } from '../../src/services/cycles.ts'
import { applyEvent, employeeHistory, tick } from '../../src/services/instances.ts'
import { harness, sampleSubmissions } from '../support/harness.ts'

const DAY = 86_400_000
const ROSTER = new URL('../fixtures/webhooks/roster.csv', import.meta.url)
/** Yudi (Pengadministrasi Pelayanan) on ROSTER: supervisor, peers. */
const YUDI = { nip: '199204182019031004', supervisor: '197611042003121003', peers: ['198503122010011001', '199411082020121001', '199602142022032001'] }

describe("an employee's history", () => {
  it("holds the finished results of the office's earlier cycles, oldest first, for formulas to read", async () => {
    const h = await harness()
    const first = await h.runningCycle()
    const subs = await sampleSubmissions()
    const nip = subs.find((s) => s.role === 'peer').subject
    for (const [n, s] of subs.filter((x) => x.subject === nip).entries()) {
      await applyEvent(h.deps, instanceId(first, nip), { type: 'submission', submission: { ...s, receipt: `r${n}`, receivedAt: h.clock.now().toISOString() } })
    }
    // Let every window close: the appraisal ends with its result.
    for (let i = 0; i < 6; i++) {
      h.clock.advance(15 * 86_400_000)
      await tick(h.deps)
    }
    const done = await h.store.getInstance(instanceId(first, nip))
    expect(done?.status).toBe('done')

    h.clock.advance(86_400_000)
    const second = (await h.request('POST', '/offices/kecamatan-plaju/cycles', { json: { name: '2027', package: 'plaju-kompetensi-360' } })).data.id
    const history = (await employeeHistory(h.deps, 'kecamatan-plaju', second, nip)) as any[]
    expect(history).toHaveLength(1)
    expect(history[0]).toMatchObject({ cycle: { id: first, name: '2026' }, outcome: done!.outcome })
    expect(history[0].vars.scores).toEqual(done!.vars.scores)
    // Someone with no finished appraisal has none.
    expect(await employeeHistory(h.deps, 'kecamatan-plaju', second, '199912312020121001')).toEqual([])
    // A newer cycle is not part of an older one's history, even with a finished appraisal in it.
    await h.store.createInstance({ ...done!, id: instanceId(second, nip), cycle: second, rev: 0 }, [])
    expect(await employeeHistory(h.deps, 'kecamatan-plaju', first, nip)).toEqual([])
    expect(await employeeHistory(h.deps, 'kecamatan-plaju', second, nip)).toHaveLength(1)
  })

  /**
   * One annual cycle of the office with Yudi's short-form answers (everyone gives the same levels,
   * so each score is that level) and the supervisor's Rating Hasil Kerja; the tick then closes
   * the 14-day objection window and the result is final.
   */
  async function annualCycle(h: Awaited<ReturnType<typeof harness>>, tahun: number, levels: number[], ratingHasilKerja: string) {
    const cycle = await h.runningCycle('kecamatan-plaju', ROSTER.pathname, { name: `Penilaian Kompetensi ${tahun}`, params: { periode: 'tahunan', tahun } })
    const [integritas, kerjasama, komunikasi, pelayanan_publik] = levels
    const raters: [string, string][] = [['self', YUDI.nip], ['supervisor', YUDI.supervisor], ...YUDI.peers.map((p): [string, string] => ['peer', p])]
    for (const [n, [role, rater]] of raters.entries()) {
      const answers = { subject: YUDI.nip, rater, role, integritas, kerjasama, komunikasi, pelayanan_publik, ...(role === 'supervisor' ? { ratingHasilKerja } : {}) }
      const submission = { form: 'ringkas', role, subject: YUDI.nip, rater, answers, receipt: `${cycle}-${n}`, receivedAt: h.clock.now().toISOString() }
      await applyEvent(h.deps, instanceId(cycle, YUDI.nip), { type: 'submission', submission })
    }
    h.clock.advance(15 * DAY)
    await tick(h.deps)
    const done = await h.store.getInstance(instanceId(cycle, YUDI.nip))
    expect(done?.status, `Yudi's ${tahun} appraisal`).toBe('done')
    h.clock.advance(30 * DAY)
    return { cycle, vars: done!.vars as Record<string, any> }
  }

  it('carries real earlier annual results into tugas belajar: Butuh Perbaikan, then Baik twice', async () => {
    const h = await harness()
    await h.request('POST', '/offices', { json: { id: 'kecamatan-plaju', name: 'Kecamatan Plaju' } })
    // Yudi (staf-pelayanan) is required integritas 2, kerjasama 1, komunikasi 1, pelayanan-publik 2.
    // 2024: 2, 1, 1, 2 with results di-bawah: fulfilment (1+1+1+1)/4 = 1.0 sesuai -> Butuh Perbaikan.
    const y2024 = await annualCycle(h, 2024, [2, 1, 1, 2], 'di-bawah')
    expect(y2024.vars.predikat).toBe('Butuh Perbaikan')
    // 2025: 2, 2, 1, 1 with results sesuai: fulfilment (1+2+1+0.5)/4 = 1.125 di-atas -> Baik. Its
    // two annual evaluations are 2025 (Baik) and 2024 (Butuh Perbaikan): not eligible yet.
    const y2025 = await annualCycle(h, 2025, [2, 2, 1, 1], 'sesuai')
    expect(y2025.vars.predikat).toBe('Baik')
    expect(y2025.vars.tugasBelajar).toMatchObject({
      eligible: false,
      basis: [{ cycle: y2025.cycle, predikat: 'Baik', meets: true }, { cycle: y2024.cycle, name: 'Penilaian Kompetensi 2024', tahun: 2024, periode: 'tahunan', predikat: 'Butuh Perbaikan', meets: false }],
      reasons: ['Penilaian Kompetensi 2024: predikat Butuh Perbaikan, di bawah Baik.'],
    })
    // 2026: 2, 1, 1, 2 with results di-atas: fulfilment 1.0 sesuai -> Baik; JPM (2+1+1+2)/6 = 100.
    // The last two annual evaluations are 2026 and 2025, both Baik: eligible; 2024 no longer counts.
    const y2026 = await annualCycle(h, 2026, [2, 1, 1, 2], 'di-atas')
    expect(y2026.vars.tugasBelajar).toMatchObject({ eligible: true, reasons: [], ignored: [] })
    expect(y2026.vars.tugasBelajar.basis).toHaveLength(2)
    expect(y2026.vars.tugasBelajar.basis).toMatchObject([
      { cycle: y2026.cycle, periode: 'tahunan', predikat: 'Baik', meets: true },
      { cycle: y2025.cycle, name: 'Penilaian Kompetensi 2025', tahun: 2025, periode: 'tahunan', predikat: 'Baik', meets: true },
    ])
    // Baik = meets; JPM 100 >= 90 = high: Kotak 8, in the talent pool.
    expect(y2026.vars.nineBox).toMatchObject({ box: 8, performance: 'meets', potential: 'high', predikat: 'Baik', jpm: 100, talentPool: true })
    // The history the third cycle read is the stored one: both earlier cycles with their params.
    const history = (await employeeHistory(h.deps, 'kecamatan-plaju', y2026.cycle, YUDI.nip)) as any[]
    expect(history.map((e) => [e.cycle.id, e.cycle.params, e.vars.predikat])).toEqual([
      [y2024.cycle, { periode: 'tahunan', tahun: 2024 }, 'Butuh Perbaikan'],
      [y2025.cycle, { periode: 'tahunan', tahun: 2025 }, 'Baik'],
    ])
  })
})
