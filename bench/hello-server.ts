/**
 * The baseline of bench/intake.ts: a bare Hono hello-world on @hono/node-server, so the intake's
 * numbers can be read as a ratio to what this machine serves at all.
 */
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const app = new Hono()
app.get('/', (c) => c.text('hello'))
const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`listening on http://127.0.0.1:${info.port}\n`)
})
process.once('SIGTERM', () => server.close(() => process.exit(0)))
