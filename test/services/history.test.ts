import { describe, expect, it } from 'vitest'
import { instanceId } from '../../src/services/cycles.ts'
import { applyEvent, employeeHistory } from '../../src/services/instances.ts'
import { harness, sampleSubmissions } from '../support/harness.ts'

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
    const { tick } = await import('../../src/services/instances.ts')
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
  })
})
