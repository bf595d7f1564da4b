/**
 * Every request body has a ceiling, checked before anything reads it: the hooks their own (1 MB by
 * default), every other route a larger one (16 MB: a roster of 10,000 is about 1.5 MB of CSV).
 */
import { describe, expect, it } from 'vitest'
import { harness } from '../support/harness.ts'

describe('body limits', () => {
  it('answers an administrative body over the limit with 413 problem+json, before reading it', async () => {
    const h = await harness({ maxAdminBodyBytes: 1000 })
    const cycle = await h.draftCycle().catch((e) => e)
    // The sample roster is larger than 1000 bytes, so the harness's own import is refused.
    expect(String(cycle)).toContain('413')
    const big = await h.request('POST', '/packages/validate', { json: { files: { 'workflow.json': 'x'.repeat(2000) } } })
    expect(big.status).toBe(413)
    expect(big.type).toContain('application/problem+json')
    expect(big.data.code).toBe('payload-too-large')
    const small = await h.request('POST', '/offices', { json: { id: 'kantor-kecil', name: 'Kantor' } })
    expect(small.status).toBe(201)
  })

  it('keeps the hooks on their own limit', async () => {
    const h = await harness({ maxAdminBodyBytes: 100_000, maxBodyBytes: 500 })
    const res = await h.request('POST', '/hooks/bnd_nothing', { key: null, body: JSON.stringify({ x: 'y'.repeat(1000) }), type: 'application/json' })
    expect(res.status).toBe(413)
    expect(res.data.detail).toContain('500 bytes')
  })
})
