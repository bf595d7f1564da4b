/**
 * Starts a kinerja server as a child process in its own process group and waits for its
 * "listening on <url>" line: `startServer` runs the real Node server (npm start's entry, or its
 * bundle) on a free port with its data in `dataDir`, for end-to-end tests; `spawnListening` is the
 * starter under it, which the benchmarks use too. `stopServer` stops it with its whole group.
 */
import { spawn, type ChildProcess } from 'node:child_process'

const ROOT = new URL('../../', import.meta.url).pathname
const LISTENING = /listening on (http:\/\/\S+)/

export interface RunningServer {
  url: string
  child: ChildProcess
  /** What the server wrote to stderr so far (its log); empty when stderr is inherited. */
  log: () => string
}

export interface SpawnOptions {
  /** The program to run; node by default. */
  command?: string
  /** Added over this process's environment. */
  env?: Record<string, string>
  /** The repository root by default. */
  cwd?: string
  /** Give up (and end the process group) if the server has not said where it listens by then. */
  timeoutMs?: number
  /** 'capture' (the default) keeps it for `log()` and the error; 'inherit' passes it through. */
  stderr?: 'capture' | 'inherit'
  /** Keep only the last this many characters of stderr: a server under load logs a lot. */
  logLimit?: number
}

/**
 * Spawns `command args` detached, so that it leads its own process group (the stoppers end the
 * whole group: `npm start` runs the server as npm's child), and resolves when it prints where it
 * listens. The error of a server that exits or times out first carries its stdout and stderr.
 */
export async function spawnListening(args: string[], opts: SpawnOptions = {}): Promise<RunningServer> {
  const command = opts.command ?? process.execPath
  const child = spawn(command, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', opts.stderr === 'inherit' ? 'inherit' : 'pipe'], detached: true })
  let out = ''
  let err = ''
  child.stderr?.on('data', (d) => (err = opts.logLimit ? (err + d).slice(-opts.logLimit) : err + d))
  const url = await new Promise<string>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    const fail = (why: string) => {
      clearTimeout(timer)
      reject(new Error(`${command} ${args.join(' ')} ${why}:\n${out}\n${err}`))
    }
    if (opts.timeoutMs) {
      timer = setTimeout(() => {
        fail(`did not say where it listens within ${opts.timeoutMs} ms`)
        // Nobody gets the child to stop it: end it here rather than leave a server running.
        process.kill(-child.pid!, 'SIGTERM')
      }, opts.timeoutMs)
    }
    let listening = false
    child.stdout!.on('data', (d) => {
      if (listening) return
      out += d
      const m = out.match(LISTENING)
      if (!m) return
      listening = true
      clearTimeout(timer)
      resolve(m[1]!)
    })
    child.on('error', (e) => fail(`failed to start (${e.message})`))
    child.on('exit', (code, signal) => fail(`exited with ${code ?? signal}`))
  })
  return { url, child, log: () => err }
}

/** How the server is started; the TypeScript entry through tsx by default. */
export interface ServerOptions {
  args?: string[]
}

export async function startServer(dataDir: string, adminKey: string, env: Record<string, string> = {}, opts: ServerOptions = {}): Promise<RunningServer> {
  return spawnListening(opts.args ?? ['--import', 'tsx', 'src/entry/node.ts'], {
    env: { PORT: '0', HOST: '127.0.0.1', KINERJA_DATA_DIR: dataDir, KINERJA_ADMIN_KEY: adminKey, KINERJA_TICK_SECONDS: '3600', KINERJA_PULL_SECONDS: '3600', ...env },
    timeoutMs: 20_000,
  })
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  process.kill(-child.pid!, 'SIGTERM')
  await exited
}
