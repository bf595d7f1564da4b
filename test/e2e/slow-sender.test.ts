/**
 * A sender that stops in the middle of its body (a dropped mobile link, or a slow-loris attack) is
 * cut off after KINERJA_REQUEST_TIMEOUT_SECONDS with 408, and the server goes on answering others.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startServer, stopServer, type RunningServer } from '../support/node-server.ts'

const ADMIN = 'kj_slow-admin-key-0123456789abcdef'

/** Sends the start of a request and then nothing; resolves with what came back and when the socket closed. */
function stall(url: string, head: string): Promise<{ answer: string; closedAfterMs: number }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const socket = connect(Number(port), hostname, () => socket.write(head))
    let answer = ''
    socket.on('data', (d) => (answer += d))
    socket.on('error', reject)
    socket.on('close', () => resolve({ answer, closedAfterMs: performance.now() - t0 }))
  })
}

describe('a sender that stops half-way', () => {
  let dataDir = ''
  let server: RunningServer | undefined
  afterAll(async () => {
    if (server) await stopServer(server.child)
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  it('is answered 408 and disconnected after the request timeout, and others are still served', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kinerja-slow-'))
    server = await startServer(dataDir, ADMIN, { KINERJA_REQUEST_TIMEOUT_SECONDS: '1' })
    const body = '{"form":"ringkas","answers":{'
    const [midBody, midHeaders] = await Promise.all([
      stall(server.url, `POST /hooks/bnd_nothing HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n${body}`),
      stall(server.url, 'POST /hooks/bnd_nothing HTTP/1.1\r\nHost: x\r\nContent-Type: app'),
    ])
    for (const cut of [midBody, midHeaders]) {
      expect(cut.answer).toMatch(/^HTTP\/1\.1 408 /)
      // One second of timeout, checked every quarter second; far from Node's default of 300 s.
      expect(cut.closedAfterMs).toBeGreaterThan(900)
      expect(cut.closedAfterMs).toBeLessThan(10_000)
    }
    const health = await fetch(`${server.url}/health`)
    expect(health.status).toBe(200)
  }, 30_000)

  it('refuses to start with a timeout that is not a number of seconds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kinerja-slow-bad-'))
    try {
      await expect(startServer(dir, ADMIN, { KINERJA_REQUEST_TIMEOUT_SECONDS: 'soon' })).rejects.toThrow(/KINERJA_REQUEST_TIMEOUT_SECONDS must be a number of seconds/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 30_000)
})
