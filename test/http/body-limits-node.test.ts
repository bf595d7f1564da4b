/**
 * The body ceilings over a real Node HTTP server (@hono/node-server, as `npm start` serves): a
 * declared Content-Length is refused from the header, a chunked body without a length is counted
 * as it streams, and a body within the limit reaches the hook byte for byte.
 */
import { serve } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hmacSha256Hex } from '../../src/util/crypto.ts'
import { harness } from '../support/harness.ts'

type Sent = { status: number; body: any }

/** Sends `chunks` with node:http: with Content-Length when `declared`, else chunked. */
function send(port: number, path: string, chunks: string[], headers: Record<string, string>, declared: boolean): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const length = chunks.reduce((a, c) => a + Buffer.byteLength(c), 0)
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, ...(declared ? { 'content-length': String(length) } : {}) } }, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }))
    })
    // The server may answer 413 and close before the whole body is sent.
    req.on('error', reject)
    for (const c of chunks) req.write(c)
    req.end()
  })
}

describe('body limits on a real Node server', () => {
  let h: Awaited<ReturnType<typeof harness>>
  let server: ReturnType<typeof serve>
  let port: number
  let binding: string
  const secret = 'limits-secret-0123456789'

  beforeAll(async () => {
    h = await harness({ maxBodyBytes: 4000, maxAdminBodyBytes: 200_000, secrets: { LIMITS_SECRET: secret } })
    const cycle = await h.runningCycle()
    binding = (await h.request('POST', `/cycles/${cycle}/bindings`, { json: { plugin: 'json', form: 'ringkas', secretEnv: 'LIMITS_SECRET' } })).data.id
    server = await new Promise((ready) => {
      const s = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' }, () => ready(s))
    })
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => new Promise<void>((done) => server.close(() => done())))

  const hook = async (body: string, declared: boolean, chunks = 1) => {
    const size = Math.ceil(body.length / chunks)
    const parts = Array.from({ length: chunks }, (_, i) => body.slice(i * size, (i + 1) * size))
    const signature = `sha256=${await hmacSha256Hex(secret, body)}`
    return send(port, `/hooks/${binding}`, parts, { 'content-type': 'application/json', 'x-kinerja-signature': signature }, declared)
  }

  it('refuses a hook body whose declared length is over the limit with 413 problem+json', async () => {
    const res = await hook(JSON.stringify({ note: 'x'.repeat(5000) }), true)
    expect(res.status).toBe(413)
    expect(res.body.code).toBe('payload-too-large')
  })

  it('refuses a chunked hook body over the limit as it streams', async () => {
    const res = await hook(JSON.stringify({ note: 'x'.repeat(5000) }), false, 5)
    expect(res.status).toBe(413)
    expect(res.body.code).toBe('payload-too-large')
  })

  it('takes a body within the limit, declared or chunked, and keeps its exact bytes in the receipt', async () => {
    // Not on the roster, so rejected (422) after it was stored: what matters is the stored bytes.
    const body = JSON.stringify({ form: 'ringkas', subject: '199001012015001001', rater: '199001012015001001', role: 'self', answers: { catatan: 'ñ é – ✓' } })
    const ids: string[] = []
    for (const [declared, chunks] of [[true, 1], [false, 3]] as const) {
      const res = await hook(body, declared, chunks)
      expect(res.status).toBe(422)
      expect(res.body.detail).toContain('not on the roster')
      ids.push(res.body.receipt)
    }
    // The same bytes both ways: one receipt, holding exactly what was sent.
    expect(ids[1]).toBe(ids[0])
    const receipt = await h.store.getReceipt(ids[0]!)
    expect(receipt?.body).toBe(body)
    expect(receipt?.attempts).toBe(2)
  })

  it('refuses an administrative body over its limit from the declared length', async () => {
    const res = await send(port, '/packages/validate', [JSON.stringify({ files: { 'workflow.json': 'x'.repeat(300_000) } })], { 'content-type': 'application/json', authorization: `Bearer ${h.admin}` }, true)
    expect(res.status).toBe(413)
  })
})
