import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, stopServer } from '../support/node-server.ts'
import { RAW_CASES, sendRaw } from './hostile-raw-http.ts'
const ADMIN = 'kj_hostile-raw-http-admin-0123456789'
const dir = await mkdtemp(join(tmpdir(), 'raw-'))
const s = await startServer(dir, ADMIN)
const port = Number(new URL(s.url).port)
for (const c of RAW_CASES) {
  const t = performance.now()
  const a = await sendRaw(port, c.bytes({ host: `127.0.0.1:${port}`, admin: ADMIN }), c.keepOpen ?? false, 3000)
  console.log(Math.round(performance.now() - t), c.name, JSON.stringify(a.statuses), a.silent, JSON.stringify(a.head.slice(0, 100)))
}
console.log((await fetch(s.url + '/health')).status)
console.log('LOG', s.log().slice(0, 3000))
await stopServer(s.child)
await rm(dir, { recursive: true })
