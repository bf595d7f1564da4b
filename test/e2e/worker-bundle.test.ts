/**
 * The Worker bundle compiles no code at run time. workerd forbids it (EvalError), so a path that
 * tried would fail a request: the wrangler dev test runs every route of the whole cycle without
 * one. This test reads the bundle `wrangler deploy --dry-run` makes and proves the rest: no eval,
 * no `new Function`, no call of `Function(...)`, no ajv compiler (forms use the build-time
 * validators), and the only place that keeps a reference to `Function` is zod's, behind its
 * `jitless` switch, which the entry turns on.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = new URL('../../', import.meta.url).pathname

/** The module (`// node_modules/...` or `// src/...` comment esbuild writes) each offset is in. */
function moduleAt(bundle: string, offset: number): string {
  const before = bundle.slice(0, offset)
  const m = [...before.matchAll(/^\/\/ ((?:node_modules|src|plugins)\/\S+)$/gm)].at(-1)
  return m?.[1] ?? '(unknown)'
}

describe('the Worker bundle', () => {
  let out = ''
  let bundle = ''

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'kinerja-bundle-'))
    const r = spawnSync(join(ROOT, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', out], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
      encoding: 'utf8',
    })
    if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${r.stdout}\n${r.stderr}`)
    bundle = await readFile(join(out, 'worker.js'), 'utf8')
  }, 120_000)

  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true })
  })

  it('has no eval, no new Function and no Function(...) call anywhere', () => {
    expect(bundle.length).toBeGreaterThan(100_000)
    expect([...bundle.matchAll(/(?<![\w.$])eval\s*\(/g)].map((m) => moduleAt(bundle, m.index!))).toEqual([])
    expect([...bundle.matchAll(/\bnew\s+Function\b/g)].map((m) => moduleAt(bundle, m.index!))).toEqual([])
    expect([...bundle.matchAll(/(?<![\w.$])Function\s*\(/g)].map((m) => moduleAt(bundle, m.index!))).toEqual([])
  })

  it('keeps `Function` only in zod, whose compiler the entry switches off (jitless)', () => {
    const aliases = [...bundle.matchAll(/=\s*Function\s*[;,)]/g)].map((m) => moduleAt(bundle, m.index!))
    expect(new Set(aliases)).toEqual(new Set(['node_modules/zod/v4/core/util.js', 'node_modules/zod/v4/core/doc.js', 'node_modules/zod/v4/core/compile.js']))
    expect(bundle).toMatch(/config\(\{\s*jitless:\s*true\s*\}\)/)
  })

  it('checks forms with the validators built from workflows/, not with ajv at run time', () => {
    const modules = new Set([...bundle.matchAll(/^\/\/ ((?:node_modules|src|plugins)\/\S+)$/gm)].map((m) => m[1]))
    expect(modules).toContain('src/package/form-check-worker.ts')
    expect(modules).toContain('src/generated/worker/validators.js')
    expect(modules).not.toContain('src/package/form-check.ts')
    expect([...modules].filter((m) => m!.startsWith('node_modules/ajv/dist/compile/'))).toEqual([])
  })
})
