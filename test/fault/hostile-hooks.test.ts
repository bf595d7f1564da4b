/**
 * Hostile webhook deliveries, generated (hostile-hooks-suite.ts says what and what must hold), to
 * every plugin's hook on the real app and a lowdb store on disk. The suite runs in a worker thread
 * so a hang (synchronous code never yields to a timer) fails the test instead of freezing it.
 * A failure prints its seed: HOSTILE_SEED=<seed> runs the same cases again.
 *
 * Below it, the failures the corpus found, kept as plain regression tests.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { koboIdempotencyKey } from '../../plugins/kobo/normalise.ts'
import { xmlAssetId, xmlElementText } from '../../plugins/kobo/xml-peek.ts'
import { FIXTURES } from '../support/deliveries.ts'
import type { HooksInput, HooksSummary } from './hostile-hooks-suite.ts'
import { hostileSeed, runSuiteInWorker, suiteInput } from './hostile-worker.ts'


describe('hostile webhook deliveries (a generated corpus, every plugin)', () => {
  it('never answers 5xx or hangs, answers problem+json, and keeps every delivery that authenticated', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kinerja-hostile-hooks-'))
    try {
      const input: HooksInput = { dataDir, ...suiteInput(12, 5000, 15_000) }
      const verdict = await runSuiteInWorker<HooksInput, HooksSummary>(new URL('./hostile-hooks-suite.ts', import.meta.url), 'runHookSuite', input, 26_000)
      expect(verdict.failure, verdict.failure).toBeUndefined()
      const { properties, statuses, receipts } = verdict.result!
      expect(Object.keys(properties)).toHaveLength(19)
      // A busy machine may cut a property short, but never to nothing.
      for (const [name, run] of Object.entries(properties)) expect(run.runs, name).toBeGreaterThanOrEqual(2)
      // The corpus reached every outcome: accepted, malformed, invalid, unauthenticated.
      for (const status of ['200', '400', '401', '422']) expect(statuses[status], `answers ${status}`).toBeGreaterThan(0)
      expect(receipts).toBeGreaterThan(50)
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  }, 30_000)
})

describe('what the corpus found: Kobo XML idempotency keys', () => {
  // The regular expressions behind the key backtracked without end: 20 KB of '<a' took 8 minutes,
  // a body any holder of the Kobo credentials could send, freezing the whole server.
  const bounded = (text: string) => {
    const t = performance.now()
    const key = koboIdempotencyKey(text)
    return { key, ms: performance.now() - t }
  }

  it('reads a key from 3 KB of unclosed start tags in milliseconds (was 1.6 s, cubic in the size)', () => {
    const { key, ms } = bounded('<a'.repeat(1500))
    expect(key).toBeUndefined()
    expect(ms).toBeLessThan(250)
  })

  it('reads a key from 200 KB of unclosed processing instructions or open elements in milliseconds', () => {
    for (const text of ['<?'.repeat(100_000), `<x><rootUuid>${' '.repeat(200_000)}`, `<${' a'.repeat(100_000)}`]) {
      const { ms } = bounded(text)
      expect(ms, JSON.stringify(text.slice(0, 20))).toBeLessThan(250)
    }
  })

  it('still reads the asset uid and the instance ids of a real XML export', async () => {
    const xml = await readFile(`${FIXTURES}hostile/kobo-export.xml`, 'utf8')
    expect(koboIdempotencyKey(xml)).toBe('aTq4Z9mYvR8sLkP2xW3nJd:uuid:c7a19e04-52b8-4f3d-a6e1-90d4b2f8c317')
  })

  it('agrees with the regular expressions it replaced on short inputs, where those still finish', () => {
    const ASSET = /<[A-Za-z_][^\s>/]*[^>]*?\sid\s*=\s*(["'])([^"'<>]*)\1/
    const oldAsset = (t: string) => ASSET.exec(t.replace(/<\?[\s\S]*?\?>/g, ''))?.[2]
    const oldElement = (t: string) => /<(?:[A-Za-z_][\w.-]*:)?rootUuid>\s*([^<]*?)\s*<\//.exec(t)?.[1] || undefined
    const piece = fc.constantFrom('<', '>', '<?', '?>', ' ', '\n', 'id', '=', '"', "'", 'a', '_', '/', '<a', ' id="x"', " id='y'", '<rootUuid>', '</', ':', '<n:rootUuid>', 'v')
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }).map((p) => p.join('')), (t) => {
        expect(xmlAssetId(t)).toBe(oldAsset(t))
        expect(xmlElementText(t, 'rootUuid')).toBe(oldElement(t))
      }),
      { numRuns: 3000, ...(hostileSeed !== undefined ? { seed: hostileSeed } : {}) },
    )
  })
})
