import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { packageHash } from '../../src/package/hash.ts'

describe('packageHash', () => {
  it('is the SHA-256 of the files sorted by path, each as path NUL content NUL', async () => {
    const expected = createHash('sha256').update('a.json\u0000{}\u0000forms/b.json\u0000[]\u0000').digest('hex')
    expect(await packageHash({ 'forms/b.json': '[]', 'a.json': '{}' })).toBe(expected)
  })

  it('does not depend on the order the files were read in', async () => {
    expect(await packageHash({ x: '1', y: '2' })).toBe(await packageHash({ y: '2', x: '1' }))
  })

  it('tells apart moving text from one file to another', async () => {
    expect(await packageHash({ a: 'xy', b: '' })).not.toBe(await packageHash({ a: 'x', b: 'y' }))
  })

  it('hashes UTF-8 text as UTF-8', async () => {
    const expected = createHash('sha256').update('t\u0000Penilaian é\u0000', 'utf8').digest('hex')
    expect(await packageHash({ t: 'Penilaian é' })).toBe(expected)
  })
})
