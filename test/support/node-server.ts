/**
 * Starts the real Node server (npm start's entry) as a child process on a free port with its data
 * in `dataDir`, for end-to-end tests; and stops it with its whole process group.
 */
import { spawn, type ChildProcess } from 'node:child_process'

const ROOT = new URL('../../', import.meta.url).pathname

export interface RunningServer {
  url: string
  child: ChildProcess
  /** What the server wrote to stderr so far (its log). */
  log: () => string
}

export async function startServer(dataDir: string, adminKey: string, env: Record<string, string> = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/entry/node.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', KINERJA_DATA_DIR: dataDir, KINERJA_ADMIN_KEY: adminKey, KINERJA_TICK_SECONDS: '3600', KINERJA_PULL_SECONDS: '3600', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let out = ''
  let err = ''
  child.stderr!.on('data', (d) => (err += d))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}\n${err}`)), 20_000)
    child.stdout!.on('data', (d) => {
      out += d
      const m = out.match(/listening on (http:\/\/\S+)/)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    })
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}\n${err}`)))
  })
  return { url, child, log: () => err }
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  process.kill(-child.pid!, 'SIGTERM')
  await exited
}
