/** Running wrangler from the project's own install, for the Workers tests and the Workers benchmark. */
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'

export const ROOT = new URL('../../', import.meta.url).pathname
export const WRANGLER = join(ROOT, 'node_modules/.bin/wrangler')
/** No telemetry prompt or colour codes in the logs the tests read. */
export const WRANGLER_ENV = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: '1' }

/** A port nothing listens on now (wrangler dev takes a port number, not 0). */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })

/** Runs a wrangler command in `cwd` to its end; its output (stdout and stderr), or an error with it. */
export function runWrangler(args: string[], cwd = ROOT): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(WRANGLER, args, { cwd, env: WRANGLER_ENV, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrangler ${args.join(' ')} exited with ${code}:\n${out}`))))
  })
}

/** A Worker started in process by wrangler (unstable_startWorker), as the probe tests use it. */
export interface ProbeWorker {
  fetch: (url: string, init?: RequestInit) => Promise<Response>
  dispose: () => Promise<void>
}

/**
 * Writes `source` as `<dir>/entry.js` and runs it in real workerd (no inspector, no persistence,
 * on a free port), for tests that must see what the Workers runtime allows.
 */
export async function startProbeWorker(dir: string, name: string, source: string): Promise<ProbeWorker> {
  const { writeFile } = await import('node:fs/promises')
  await writeFile(join(dir, 'entry.js'), source)
  await writeFile(join(dir, 'wrangler.json'), JSON.stringify({ name, main: 'entry.js', compatibility_date: '2026-04-26', compatibility_flags: ['nodejs_compat'] }))
  process.env.WRANGLER_SEND_METRICS = 'false'
  const { unstable_startWorker } = await import('wrangler')
  const w = await unstable_startWorker({
    config: join(dir, 'wrangler.json'),
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, persist: false, watch: false, logLevel: 'error' },
  })
  await w.ready
  return w as unknown as ProbeWorker
}
