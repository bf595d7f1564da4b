/**
 * The tick after downtime: a server that was down while deadlines passed fires each of them once
 * when it comes back (its first tick), on the real lowdb files, and never again after.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { nodeDocumentFiles } from '../../src/entry/node-document-files.ts'
import { tick } from '../../src/services/instances.ts'
import { createLowdbStore } from '../../src/store/lowdb-store.ts'
import { harness } from '../support/harness.ts'

const DAY = 86_400_000
const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

async function onDisk(dir: string, start: string) {
  return harness({ store: await createLowdbStore(nodeDocumentFiles(dir)), start })
}

describe('tick after downtime', () => {
  it('fires every deadline that passed while the server was down exactly once, skipping reminders the deadline made moot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kinerja-tick-'))
    dirs.push(dir)
    const before = await onDisk(dir, '2026-01-05T08:00:00.000Z')
    const cycle = await before.runningCycle()
    const started = await before.store.listInstances(cycle)
    expect(started.length).toBeGreaterThan(0)
    expect(started.every((i) => i.state === 'collect')).toBe(true)

    // Down for 20 days: collect's reminders (day 7, 12) and its deadline (day 14) all pass unseen.
    const after = await onDisk(dir, '2026-01-25T08:00:00.000Z')
    expect(await tick(after.deps)).toBe(started.length)
    for (const i of started) {
      const types = (await after.store.listEvents(i.id)).map((e) => e.type)
      expect(types.filter((t) => t === 'deadline'), i.id).toHaveLength(1)
      expect(types).not.toContain('reminded')
      const now = (await after.store.getInstance(i.id))!
      expect(now.state).not.toBe('collect')
      // The next state's times count from when the deadline fired, not from the old entry.
      for (const d of now.deadlines) expect(d.at > '2026-01-25T08:00:00.000Z').toBe(true)
    }
    expect(await after.store.listOutbox(cycle)).toEqual([])

    // Restarted again at once: nothing is due, nothing fires twice.
    const again = await onDisk(dir, '2026-01-25T08:00:01.000Z')
    expect(await tick(again.deps)).toBe(0)
    for (const i of started) expect((await again.store.listEvents(i.id)).filter((e) => e.type === 'deadline')).toHaveLength(1)
  })

  it('still reminds when only the reminder has come', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kinerja-tick-'))
    dirs.push(dir)
    const h = await onDisk(dir, '2026-01-05T08:00:00.000Z')
    const cycle = await h.runningCycle()
    h.clock.advance(8 * DAY)
    await tick(h.deps)
    const messages = await h.store.listOutbox(cycle)
    expect(messages.length).toBe((await h.store.listInstances(cycle)).length)
    expect(messages.every((m) => m.kind === 'remind' && m.state === 'collect')).toBe(true)
    h.clock.advance(1000)
    await tick(h.deps)
    expect((await h.store.listOutbox(cycle)).length).toBe(messages.length)
  })
})
