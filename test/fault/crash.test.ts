/**
 * Crash: the real Node server under Kobo intake load is killed with SIGKILL at seeded random
 * moments and restarted on the same data folder (crash-run.ts says what is checked). A few kills
 * here; `npm run soak` does at least 20. A failure prints its seed: KINERJA_FAULT_SEED=<seed>
 * runs it again.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { crashRun } from './crash-run.ts'
import { checkDataFiles } from './data-files.ts'
import { seedFromEnv } from './random.ts'

describe('SIGKILL under intake load', () => {
  it('keeps every acknowledged submission exactly once, leaves no corrupt file, and the cycle goes on', async () => {
    const seed = seedFromEnv()
    const lines: string[] = []
    const report = await crashRun({ seed, kills: 3, employees: 40, senders: 8, loadMs: [40, 400], log: (l) => lines.push(l) })
    console.log(`crash: seed ${seed} (KINERJA_FAULT_SEED=${seed} repeats it)\n${lines.join('\n')}`)
    expect(report.problems, `seed ${seed}`).toEqual([])
    expect(report.kills).toBe(3)
    expect(report.killsUnderLoad).toBe(3)
  }, 60_000)

  it('(the file check itself) finds a torn document and skips temp files and anything not .json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kinerja-fault-files-'))
    try {
      await mkdir(join(dir, 'cycles', 'c1', 'receipts'), { recursive: true })
      await writeFile(join(dir, 'offices.json'), '{"offices":[]}')
      await writeFile(join(dir, 'cycles', 'c1', 'receipts', 'rcp_1.json'), '{"receipt":{"id":"rcp_1","sta')
      await writeFile(join(dir, 'cycles', 'c1', 'receipts', '.rcp_2.json.77.1.tmp'), '{"rece')
      await writeFile(join(dir, 'journal.log'), 'not json at all')
      const check = await checkDataFiles(dir)
      expect(check).toMatchObject({ documents: 2, skipped: 2 })
      expect(check.corrupt).toEqual([expect.stringContaining(join('cycles', 'c1', 'receipts', 'rcp_1.json'))])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
