/**
 * Running a property of the hostile-input corpus: a fixed number of cases, a time bound per case
 * and per property, and a failure message that stays readable (a counterexample can be a 1 MB
 * body) while keeping what reproduces it: the seed and the path.
 */
import fc from 'fast-check'

export interface PropertyRun {
  /** Cases run (fewer than asked when the property's time budget ran out first). */
  runs: number
  ms: number
}

export interface PropertyOptions {
  numRuns: number
  seed?: number
  /** Longest a single case may take; an async case still running then fails. */
  caseMs: number
  /** The property starts no new case after this long (CI on a busy machine). */
  budgetMs: number
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}... (${s.length} characters)` : s)

/** A thrown check: what the case shows, said plainly. */
export function ensure(condition: unknown, message: () => string): asserts condition {
  if (!condition) throw new Error(message())
}

/**
 * Checks `predicate` on `numRuns` generated values. Past the time budget the remaining cases are
 * passed over rather than cut off, so a case that started always finishes: no request of one
 * property is still running while the next one starts (fast-check's interruptAfterTimeLimit would
 * leave it running in the background, racing the checks that follow).
 */
export async function checkProperty<T>(name: string, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>, opts: PropertyOptions): Promise<PropertyRun> {
  const started = performance.now()
  let runs = 0
  const property = fc.asyncProperty(arbitrary, async (value) => {
    if (performance.now() - started > opts.budgetMs) return
    runs++
    await predicate(value)
  })
  const details = await fc.check(property, {
    numRuns: opts.numRuns,
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    plugins: [fc.timeout(opts.caseMs)],
  })
  const ms = Math.round(performance.now() - started)
  if (details.failed) {
    const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)
    throw new Error(
      [
        `property '${name}' failed after ${details.numRuns} case(s); HOSTILE_SEED=${opts.seed ?? details.seed} runs the corpus again (fast-check: seed ${details.seed}, path "${details.counterexamplePath}")`,
        `error: ${clip(error, 4000)}`,
        `counterexample: ${clip(fc.stringify(details.counterexample), 3000)}`,
      ].join('\n'),
    )
  }
  return { runs, ms }
}
