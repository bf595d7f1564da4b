import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main, type Io } from '../../src/entry/cli.ts'
import { edit, miniPackage, where } from '../package/mini-package.ts'

let root: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'kinerja-cli-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

async function writePackage(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, dir, path)), { recursive: true })
    await writeFile(join(root, dir, path), text)
  }
}

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string }> {
  let out = ''
  let err = ''
  const io: Io = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), cwd: root }
  const code = await main(argv, io)
  return { code, out: out.split('\n').filter(Boolean), err }
}

describe('kinerja validate', () => {
  it('checks every folder in ./workflows and exits 0 when all are valid', async () => {
    await writePackage('workflows/mini', { ...miniPackage(), 'README.md': '# Mini', 'sample/roster.csv': 'nip\n' })
    await writePackage('workflows/mini-two', edit('workflow.json', (w) => (w.id = 'mini-two')))
    const { code, out } = await run('validate')
    expect(out).toEqual([
      expect.stringMatching(/^workflows\/mini {2}ok: mini 1\.0\.0 \(hash [0-9a-f]{12}\)$/),
      expect.stringMatching(/^workflows\/mini-two {2}ok: mini-two 1\.0\.0 \(hash [0-9a-f]{12}\)$/),
      'checked 2 packages: no problems',
    ])
    expect(code).toBe(0)
  })

  it('prints each problem at the path the user would open, and exits 1 on an error', async () => {
    const files = edit('workflow.json', (w) => (w.states.check.default = 'fnal'))
    await writePackage('workflows/mini', files)
    const { code, out } = await run('validate')
    expect(out).toEqual([
      `workflows/mini/workflow.json:${where(files['workflow.json']!, '"fnal"')}  /states/check/default  no state is named 'fnal': did you mean 'final'?`,
      'checked 1 package: 1 error, 0 warnings',
    ])
    expect(code).toBe(1)
  })

  it('exits 0 when there are only warnings', async () => {
    await writePackage('workflows/mini', edit('framework.json', (f) => delete f.$schema))
    const { code, out } = await run('validate')
    expect(out[0]).toBe(
      'workflows/mini/framework.json:1:1  /  warning: no "$schema": add "$schema": "../../schemas/framework.schema.json" so editors can check and complete this file',
    )
    expect(out.at(-1)).toBe('checked 1 package: 0 errors, 1 warning')
    expect(code).toBe(0)
  })

  it('checks only the folders given', async () => {
    await writePackage('workflows/mini', miniPackage())
    await writePackage('drafts/broken', { ...miniPackage(), 'gaps.jsonata': '$x +' })
    const { code, out } = await run('validate', 'drafts/broken')
    expect(out).toEqual([
      'drafts/broken/gaps.jsonata:1:5  /states/score/assign/gaps  JSONata syntax error S0207: Unexpected end of expression (used by workflow.json /states/score/assign/gaps)',
      'checked 1 package: 1 error, 0 warnings',
    ])
    expect(code).toBe(1)
  })

  it('reports a folder that does not exist, or lacks workflow.json', async () => {
    await mkdir(join(root, 'workflows/empty'), { recursive: true })
    const { code, out } = await run('validate', 'workflows/nope', 'workflows/empty')
    expect(out).toEqual([
      'workflows/nope  no such folder',
      'workflows/empty/workflow.json:1:1  /  workflow.json is missing: every package folder needs one',
      'checked 2 packages: 2 errors, 0 warnings',
    ])
    expect(code).toBe(1)
  })

  it('says so when there is nothing to check', async () => {
    const { code, err } = await run('validate')
    expect(err).toMatch(/no package folders in workflows\//)
    expect(code).toBe(1)
  })

  it('refuses changed content under a known version (--known)', async () => {
    await writePackage('workflows/mini', miniPackage())
    await writeFile(join(root, 'known.json'), JSON.stringify([{ id: 'mini', version: '1.0.0', hash: 'f'.repeat(64) }]))
    const { code, out } = await run('validate', '--known', 'known.json')
    expect(out[0]).toBe(
      `workflows/mini/workflow.json:${where(miniPackage()['workflow.json']!, '"1.0.0"')}  /version  content changed but version 1.0.0 was not bumped: set "version" to 1.0.1`,
    )
    expect(code).toBe(1)
  })

  it('refuses a --known file that is not a list of versions', async () => {
    await writeFile(join(root, 'known.json'), '{"mini": "1.0.0"}')
    const { code, err } = await run('validate', '--known', 'known.json')
    expect(err).toBe('kinerja validate: known.json: expected a JSON array of {"id", "version", "hash"}\n')
    expect(code).toBe(2)
  })
})

describe('kinerja', () => {
  it('prints the usage and exits 2 for an unknown command', async () => {
    const { code, err } = await run('valdate')
    expect(err).toMatch(/^kinerja: unknown command 'valdate'\nusage:\n {2}kinerja validate /)
    expect(code).toBe(2)
  })

  it('prints the usage and exits 2 without a command', async () => {
    const { code, err } = await run()
    expect(err).toMatch(/^usage:/)
    expect(code).toBe(2)
  })

  it('prints the usage and exits 0 for --help', async () => {
    const { code, out } = await run('--help')
    expect(out[0]).toBe('usage:')
    expect(code).toBe(0)
  })

  it('refuses an unknown option', async () => {
    const { code, err } = await run('validate', '--fix')
    expect(err).toMatch(/^kinerja validate: unknown option --fix\n/)
    expect(code).toBe(2)
  })
})
