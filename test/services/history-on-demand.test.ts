import { describe, expect, it } from 'vitest'
import { instanceId } from '../../src/services/cycles.ts'
import { applyEvent, tick } from '../../src/services/instances.ts'
import type { Deps } from '../../src/services/deps.ts'
import type { Store } from '../../src/store/store.ts'
import { harness } from '../support/harness.ts'

const DAY = 86_400_000
const ROSTER = new URL('../fixtures/webhooks/roster.csv', import.meta.url)
/** Yudi (Pengadministrasi Pelayanan) on ROSTER: supervisor, peers. */
const YUDI = { nip: '199204182019031004', supervisor: '197611042003121003', peers: ['198503122010011001', '199411082020121001', '199602142022032001'] }

type H = Awaited<ReturnType<typeof harness>>

const annualCycle = (h: H, tahun: number): Promise<string> =>
  h.runningCycle('kecamatan-plaju', ROSTER.pathname, { name: `Penilaian Kompetensi ${tahun}`, params: { periode: 'tahunan', tahun } })

/** Yudi's short-form answers, everyone at level 2 (his required levels are 1-2: predikat Baik with `sesuai`). */
async function answer(deps: Deps, h: H, cycle: string, raters: [string, string][]) {
  for (const [role, rater] of raters) {
    const answers = { subject: YUDI.nip, rater, role, integritas: 2, kerjasama: 2, komunikasi: 2, pelayanan_publik: 2, ...(role === 'supervisor' ? { ratingHasilKerja: 'sesuai' } : {}) }
    const submission = { form: 'ringkas', role, subject: YUDI.nip, rater, answers, receipt: `${cycle}-${role}-${rater}`, receivedAt: h.clock.now().toISOString() }
    await applyEvent(deps, instanceId(cycle, YUDI.nip), { type: 'submission', submission })
  }
}

const everyone: [string, string][] = [['self', YUDI.nip], ['supervisor', YUDI.supervisor], ...YUDI.peers.map((p): [string, string] => ['peer', p])]

/** The same store, counting how often the office's cycles are listed (where a history starts). */
function countingListCycles(store: Store): { store: Store; count: () => number } {
  let n = 0
  const counted = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver)
      if (prop !== 'listCycles') return typeof value === 'function' ? value.bind(target) : value
      return (...args: unknown[]) => {
        n++
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { store: counted, count: () => n }
}

describe("an employee's history, read when a formula needs it", () => {
  it('shows an earlier cycle\'s result that became final after the later cycle started', async () => {
    const h = await harness()
    await h.request('POST', '/offices', { json: { id: 'kecamatan-plaju', name: 'Kecamatan Plaju' } })
    const y2025 = await annualCycle(h, 2025)
    await answer(h.deps, h, y2025, everyone)
    // 2025 waits in its 14-day objection window while 2026 starts.
    expect((await h.store.getInstance(instanceId(y2025, YUDI.nip)))?.state).toBe('objection')
    h.clock.advance(10 * DAY)
    const y2026 = await annualCycle(h, 2026)
    await answer(h.deps, h, y2026, everyone.slice(0, 3))
    // Now the 2025 window closes: that result becomes final while 2026 is half answered.
    h.clock.advance(5 * DAY)
    await tick(h.deps)
    expect((await h.store.getInstance(instanceId(y2025, YUDI.nip)))?.status).toBe('done')
    await answer(h.deps, h, y2026, everyone.slice(3))
    const done = await h.store.getInstance(instanceId(y2026, YUDI.nip))
    expect(done?.state).toBe('objection')
    // Both annual evaluations are Baik: eligible, and the basis names the 2025 cycle.
    expect(done!.vars.tugasBelajar).toMatchObject({ eligible: true, basis: [{ cycle: y2026, predikat: 'Baik' }, { cycle: y2025, predikat: 'Baik' }] })
  })

  it('is not read for an answer that completes nothing, and is read when the answers are complete', async () => {
    const h = await harness()
    await h.request('POST', '/offices', { json: { id: 'kecamatan-plaju', name: 'Kecamatan Plaju' } })
    const cycle = await annualCycle(h, 2026)
    const counting = countingListCycles(h.store)
    const deps = { ...h.deps, store: counting.store }
    await answer(deps, h, cycle, everyone.slice(0, 4))
    expect(counting.count()).toBe(0)
    // The last peer completes the collect state: scoring runs and tugas belajar reads the history.
    await answer(deps, h, cycle, everyone.slice(4))
    expect(counting.count()).toBe(1)
    expect((await h.store.getInstance(instanceId(cycle, YUDI.nip)))?.vars.tugasBelajar).toMatchObject({ eligible: false, basis: [{ cycle, predikat: 'Baik' }] })
  })
})
