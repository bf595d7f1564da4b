/**
 * JSONata guardrails in real workerd. A deployed Worker's clock does not move during CPU work, so
 * JSONata's `timeout` can never fire there: what must hold instead are the load-time refusal of
 * recursive functions and the guards that count (stack depth, sequence length, evaluation steps).
 * A probe Worker runs runaway expressions through the engine's compileExpression and says which
 * guard stopped each; the Worker stays up and answers.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_SEQUENCE } from '../../src/engine/expression.ts'
import { loadPackage } from '../../src/package/load-package.ts'
import { readPackageDir } from '../../src/entry/package-files.ts'
import { startProbeWorker, type ProbeWorker } from '../support/wrangler.ts'

const ROOT = new URL('../../', import.meta.url).pathname

describe('expression guardrails in workerd', () => {
  let dir = ''
  let worker: ProbeWorker | undefined

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kinerja-guards-'))
    worker = await startProbeWorker(
      dir,
      'guardrails-probe',
      `import { compileExpression } from ${JSON.stringify(join(ROOT, 'src/engine/expression.ts'))}
import { loadPackage } from ${JSON.stringify(join(ROOT, 'src/package/load-package.ts'))}
export default {
  async fetch(request) {
    const body = await request.json()
    if (body.files) {
      const { problems } = await loadPackage(body.files)
      return Response.json({ problems })
    }
    const started = Date.now()
    try {
      const value = await compileExpression(body.source, { file: 'probe', pointer: '/' }).evaluate({}, {})
      return Response.json({ value, ms: Date.now() - started })
    } catch (e) {
      return Response.json({ guard: e.extra?.jsonata ?? e.code, detail: e.detail ?? String(e), ms: Date.now() - started })
    }
  },
}
`,
    )
  }, 120_000)

  afterAll(async () => {
    await worker?.dispose()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  const probe = async (body: unknown) => (await worker!.fetch('http://x/', { method: 'POST', body: JSON.stringify(body) })).json() as Promise<any>

  it('stops a huge sequence with the sequence guard', async () => {
    const r = await probe({ source: `$count([1..${MAX_SEQUENCE * 100}])` })
    expect(r.guard).toBe('D2015')
    expect(r.detail).toContain(`a sequence would exceed ${MAX_SEQUENCE} items`)
  })

  it('stops an endless loop (tail recursion, which grows no stack) by counting steps, not by the clock', async () => {
    const r = await probe({ source: '( $f := function($n) { $n > 0 ? $f($n - 1) : 0 }; $f(1000000000) )' })
    expect(r.guard).toBe('K1001')
    expect(r.detail).toMatch(/evaluation steps/)
  })

  it('stops deep recursion with the stack guard', async () => {
    const r = await probe({ source: '( $f := function($n) { $n > 0 ? 1 + $f($n - 1) : 0 }; $f(100000) )' })
    expect(r.guard).toBe('D1011')
  })

  it('still evaluates ordinary expressions, and answers after every runaway', async () => {
    expect(await probe({ source: '$sum([1..100]) / 2' })).toMatchObject({ value: 2525 })
  })

  it('refuses a package with a recursive function when it loads, with its place', async () => {
    const files = await readPackageDir(join(ROOT, 'workflows/plaju-kompetensi-360'))
    const workflow = JSON.parse(files['workflow.json']!)
    const first = Object.values(workflow.states).find((s: any) => s.type === 'compute') as any
    first.assign.loop = '( $f := function($n) { $n > 0 ? $f($n - 1) : 0 }; $f(3) )'
    const patched = { ...files, 'workflow.json': JSON.stringify(workflow, null, 2) }
    const r = await probe({ files: patched })
    const errors = r.problems.filter((p: any) => p.severity === 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0].message).toMatch(/recursive function \$f: recursion cannot be bounded on Workers/)
    // The same refusal as on Node.
    const onNode = (await loadPackage(patched)).problems.filter((p) => p.severity === 'error')
    expect(JSON.parse(JSON.stringify(onNode))).toEqual(errors)
  })
})
