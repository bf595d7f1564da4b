import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { generate } from '../scripts/gen.ts'

describe('src/generated/', () => {
  it('matches what schemas/ generates (run `npm run gen` after editing a schema)', async () => {
    const files = await generate()
    expect(Object.keys(files).sort()).toEqual(['form.ts', 'framework.ts', 'roster.ts', 'submission.ts', 'types.ts', 'validators.d.ts', 'validators.js', 'workflow.ts'])
    for (const [name, content] of Object.entries(files)) {
      const onDisk = await readFile(new URL(`../src/generated/${name}`, import.meta.url), 'utf8')
      expect(onDisk === content, `src/generated/${name} is stale`).toBe(true)
    }
  }, 60_000)

  it('ships working validators that need no compile step at run time', async () => {
    const { validateRoster } = await import('../src/generated/validators.js')
    expect(validateRoster([{ nip: '198503122010011001', name: 'Siti', position: 'staf-pelayanan' }])).toBe(true)
    expect(validateRoster([{ nip: '19850312', name: 'Siti', position: 'staf-pelayanan' }])).toBe(false)
  })
})
