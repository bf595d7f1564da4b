import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { edit } from '../package/mini-package.ts'

const bin = fileURLToPath(new URL('../../bin/kinerja.js', import.meta.url))

describe('bin/kinerja.js', () => {
  it('runs `kinerja validate` from any folder and exits with its code', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kinerja-bin-'))
    try {
      const files = edit('workflow.json', (w) => (w.start = 'begin'))
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(root, 'workflows/mini', path)), { recursive: true })
        await writeFile(join(root, 'workflows/mini', path), text)
      }
      const run = spawnSync(process.execPath, [bin, 'validate'], { cwd: root, encoding: 'utf8', timeout: 60_000 })
      expect(run.stdout).toMatch(/^workflows\/mini\/workflow\.json:\d+:\d+ {2}\/start {2}no state is named 'begin'/)
      expect(run.status).toBe(1)
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})
