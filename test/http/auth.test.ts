import { describe, expect, it } from 'vitest'
import { harness } from '../support/harness.ts'

describe('API keys and office scope', () => {
  it('answers 401 problem+json on every protected route when no key is sent', async () => {
    const h = await harness()
    const doc = (await h.request('GET', '/openapi.json', { key: null })).data
    const protectedOps = Object.entries(doc.paths as Record<string, Record<string, { security?: unknown[] }>>).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.security?.length)
        .map(([method]) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'x') })),
    )
    expect(protectedOps.length).toBeGreaterThan(15)
    for (const op of protectedOps) {
      const res = await h.request(op.method, op.path, { key: null, json: op.method === 'GET' ? undefined : {} })
      expect(res.status, `${op.method} ${op.path}`).toBe(401)
      expect(res.type).toContain('application/problem+json')
      expect(res.data.code).toBe('unauthorized')
    }
  })

  it('rejects an unknown key', async () => {
    const h = await harness()
    const res = await h.request('GET', '/packages', { key: 'kj_not-a-real-key' })
    expect(res.status).toBe(401)
  })

  it('answers 403 when an office key reaches into another office', async () => {
    const h = await harness()
    const a = await h.runningCycle('kecamatan-plaju')
    await h.request('POST', '/offices', { json: { id: 'kecamatan-seberang-ulu', name: 'Seberang Ulu' } })
    const otherKey = (await h.request('POST', '/offices/kecamatan-seberang-ulu/keys', { json: { role: 'hr' } })).data.key
    for (const [method, path] of [
      ['GET', `/cycles/${a}`],
      ['GET', `/cycles/${a}/instances`],
      ['GET', '/offices/kecamatan-plaju'],
      ['POST', '/offices/kecamatan-plaju/cycles'],
    ] as const) {
      const res = await h.request(method, path, { key: otherKey, json: method === 'POST' ? { name: 'x', package: 'plaju-kompetensi-360' } : undefined })
      expect(res.status, `${method} ${path}`).toBe(403)
      expect(res.data.code).toBe('forbidden')
    }
    // Its own office works.
    expect((await h.request('GET', '/offices/kecamatan-seberang-ulu', { key: otherKey })).status).toBe(200)
  })

  it('lets a viewer read but not change anything', async () => {
    const h = await harness()
    const cycle = await h.runningCycle()
    const viewer = (await h.request('POST', '/offices/kecamatan-plaju/keys', { json: { role: 'viewer' } })).data.key
    expect((await h.request('GET', `/cycles/${cycle}`, { key: viewer })).status).toBe(200)
    const res = await h.request('POST', '/offices/kecamatan-plaju/cycles', { key: viewer, json: { name: 'x', package: 'plaju-kompetensi-360' } })
    expect(res.status).toBe(403)
    expect(res.data.detail).toContain('hr')
  })

  it('stores keys only as hashes', async () => {
    const h = await harness()
    const created = (await h.request('POST', '/offices', { json: { id: 'kecamatan-plaju', name: 'Plaju' } })).status
    expect(created).toBe(201)
    const key = (await h.request('POST', '/offices/kecamatan-plaju/keys', { json: { role: 'hr' } })).data.key as string
    expect(key).toMatch(/^kj_/)
    const { sha256Hex } = await import('../../src/util/crypto.ts')
    const stored = await h.store.findKeyByHash(await sha256Hex(key))
    expect(stored?.role).toBe('hr')
    expect(JSON.stringify(stored)).not.toContain(key)
  })
})
