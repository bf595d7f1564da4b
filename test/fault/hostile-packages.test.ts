/**
 * Damaged packages, generated from the real ones in workflows/ (hostile-packages-suite.ts says
 * what and what must hold), through the loader, `kinerja validate` and POST /packages/validate, in
 * a worker thread so a hang fails instead of freezing the run. A failure prints its seed:
 * HOSTILE_SEED=<seed> runs the same cases again. Below, the failures the corpus found.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { validatePackages } from '../../src/entry/cli.ts'
import { readPackageDir } from '../../src/entry/package-files.ts'
import { closest } from '../../src/json/suggest.ts'
import { loadPackage } from '../../src/package/load-package.ts'
import { PLAJU_DIR } from '../support/harness.ts'
import type { PackagesInput, PackagesSummary } from './hostile-packages-suite.ts'
import { runSuiteInWorker, suiteInput } from './hostile-worker.ts'

describe('damaged packages (a generated corpus from workflows/)', () => {
  it('are answered with a list of problems or a clean load, never a throw or a hang, by the loader, the CLI and the API', async () => {
    const input: PackagesInput = suiteInput(10, 5000, 15_000)
    const verdict = await runSuiteInWorker<PackagesInput, PackagesSummary>(new URL('./hostile-packages-suite.ts', import.meta.url), 'runPackageSuite', input, 26_000)
    expect(verdict.failure, verdict.failure).toBeUndefined()
    const summary = verdict.result!
    for (const [name, run] of Object.entries(summary.properties)) expect(run.runs, name).toBeGreaterThanOrEqual(3)
    // Both outcomes happen: most damage is refused, some is harmless and the package still runs.
    expect(summary.refused).toBeGreaterThan(0)
    expect(summary.loaded + summary.refused).toBeGreaterThanOrEqual(9)
  }, 30_000)
})

describe('what the corpus found: JSONata nested thousands deep', () => {
  // 1,500 nested objects compile, but checking them for recursive functions ran out of stack, and
  // the RangeError escaped loadPackage: `kinerja validate` crashed and POST /packages/validate was a 500.
  const deep = `${'{"a":'.repeat(1500)}1${'}'.repeat(1500)}`

  it('is a problem of the file that names it, not a crash of the loader', async () => {
    const files = { ...(await readPackageDir(PLAJU_DIR)), 'discrepancies.jsonata': deep }
    const { package: pkg, problems } = await loadPackage(files)
    expect(pkg).toBeUndefined()
    expect(problems).toContainEqual(expect.objectContaining({ file: 'discrepancies.jsonata', severity: 'error', message: expect.stringMatching(/nested too deeply/) }))
  })

  it('makes `kinerja validate` exit 1 with that problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kinerja-hostile-validate-'))
    try {
      await cp(PLAJU_DIR, join(dir, 'plaju'), { recursive: true })
      await writeFile(join(dir, 'plaju', 'discrepancies.jsonata'), deep)
      let out = ''
      const code = await validatePackages(['plaju'], {}, { cwd: dir, stdout: (s) => void (out += s), stderr: (s) => void (out += s) })
      expect(code).toBe(1)
      expect(out).toMatch(/plaju\/discrepancies\.jsonata:1:1 .*nested too deeply/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('what the corpus found: "did you mean" on very long text', () => {
  // A 200,000-character value where a competency id belongs made loading take 4.7 s (an edit
  // distance per competency); two long names cost the product of their lengths (13 s for 10,000).
  const timed = (word: string, candidates: string[]) => {
    const t = performance.now()
    const suggestion = closest(word, candidates)
    return { suggestion, ms: performance.now() - t }
  }

  it('suggests nothing for a value far longer than any name, at once', () => {
    const { suggestion, ms } = timed('x'.repeat(200_000), ['integritas', 'kerjasama', 'komunikasi', 'pelayanan-publik'])
    expect(suggestion).toBeUndefined()
    expect(ms).toBeLessThan(50)
  })

  it('suggests nothing between two names of 10,000 characters, at once', () => {
    const { suggestion, ms } = timed('x'.repeat(10_000), [`${'x'.repeat(9_999)}y`])
    expect(suggestion).toBeUndefined()
    expect(ms).toBeLessThan(50)
  })

  it('still finds the typo in a name people type', () => {
    expect(closest('pelayanan-pubilk', ['integritas', 'pelayanan-publik'])).toBe('pelayanan-publik')
    expect(closest('Integritas', ['integritas'])).toBe('integritas')
  })
})
