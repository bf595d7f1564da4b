/**
 * Runs one property suite of the hostile-input corpus in a worker thread with a hard deadline.
 * A timer cannot stop synchronous code (a parser looping, a regex backtracking for hours), but
 * terminating the thread can: so a hang fails the test with the case that was running, instead
 * of freezing the test run. The suite reports each case's label before running it.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'

/** What a suite module exports: runs its properties and returns a summary (numbers of cases...). */
export type HostileSuite<I, R> = (input: I, note: (label: string) => void) => Promise<R>

/** What every suite takes: cases per property, how long one case and all of them may take, a seed. */
export interface SuiteInput {
  seed?: number
  runs: number
  caseMs: number
  /** For all properties together: each gets its share, and stops starting cases when it is spent. */
  budgetMs: number
}

/** HOSTILE_SEED, when set, runs the same cases again. */
export const hostileSeed: number | undefined = process.env.HOSTILE_SEED ? Number(process.env.HOSTILE_SEED) : undefined

/** A suite's input, with the seed of HOSTILE_SEED when it is set. */
export const suiteInput = (runs: number, caseMs: number, budgetMs: number): SuiteInput => ({ runs, caseMs, budgetMs, ...(hostileSeed !== undefined ? { seed: hostileSeed } : {}) })

// tsx's ESM entry of its register API, read from its package exports (require.resolve would give the CommonJS one).
const tsxPackage = createRequire(import.meta.url).resolve('tsx/package.json')
const tsxExports = JSON.parse(readFileSync(tsxPackage, 'utf8')).exports['./esm/api'].import.default as string
const TSX_API = new URL(tsxExports, pathToFileURL(tsxPackage)).href

// The worker registers tsx (TypeScript) and runs the suite; messages carry labels and the verdict.
const BOOT = `
import { parentPort, workerData } from 'node:worker_threads'
const { register } = await import(workerData.tsx)
register()
const note = (label) => parentPort.postMessage({ type: 'case', label: String(label).slice(0, 2000) })
try {
  const suite = (await import(workerData.module))[workerData.exportName]
  const result = await suite(workerData.input, note)
  parentPort.postMessage({ type: 'done', result })
} catch (e) {
  parentPort.postMessage({ type: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) })
}
`

export interface WorkerVerdict<R> {
  ok: boolean
  result?: R
  /** fast-check's report (seed, path, counterexample) or the hang: what to look at first. */
  failure?: string
  /** Labels noted by the suite, in order. */
  cases: number
  ms: number
}

/** Runs `exportName` of `module` in a worker; a suite still running after `deadlineMs` is a hang. */
export function runSuiteInWorker<I, R>(module: URL, exportName: string, input: I, deadlineMs: number): Promise<WorkerVerdict<R>> {
  const started = performance.now()
  const worker = new Worker(BOOT, { eval: true, type: 'module', workerData: { tsx: TSX_API, module: module.href, exportName, input } } as never)
  let last = '(none yet)'
  let cases = 0
  return new Promise((resolve) => {
    let settled = false
    const finish = (v: Omit<WorkerVerdict<R>, 'cases' | 'ms'>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      const ms = Math.round(performance.now() - started)
      // Resolved once the thread is gone, so nothing of it still writes when the caller cleans up.
      void worker.terminate().finally(() => resolve({ ...v, cases, ms }))
    }
    const timer = setTimeout(
      () => finish({ ok: false, failure: `no verdict within ${deadlineMs} ms (a hang): the case running was\n${last}` }),
      deadlineMs,
    )
    worker.on('message', (m: { type: string; label?: string; result?: R; message?: string }) => {
      if (m.type === 'case') {
        cases++
        last = m.label!
      } else if (m.type === 'done') finish({ ok: true, result: m.result })
      else finish({ ok: false, failure: m.message })
    })
    worker.on('error', (e) => finish({ ok: false, failure: `the worker crashed: ${e.stack ?? String(e)}\nwhile running:\n${last}` }))
    worker.on('exit', (code) => finish({ ok: false, failure: `the worker exited (${code}) without a verdict while running:\n${last}` }))
  })
}
