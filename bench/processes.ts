/**
 * The processes `npm run bench` runs: the server as `npm start` runs it (the bundle that
 * scripts/build-node.mjs makes, on plain node), the other measured programs bundled the same way,
 * and children that print one line of JSON.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { build } from 'esbuild'
import { spawnListening } from '../test/support/node-server.ts'
import { ROOT } from './support.ts'

/**
 * Bundles a bench program into dist/ as scripts/build-node.mjs bundles the server (dependencies
 * external, no tsx at run time), so every measured process runs the same kind of code.
 */
export async function bundle(entry: string, name: string): Promise<string> {
  const outfile = join(ROOT, 'dist', `${name}.mjs`)
  await build({ absWorkingDir: ROOT, entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' })
  return outfile
}

export interface Server {
  url: string
  child: ChildProcess
  /** Milliseconds from spawn to the "listening on" line. */
  listeningMs: number
}

/** Spawns `node <args>` (or `command <args>`; its own process group) and resolves when it prints where it listens. */
export async function spawnServer(args: string[], env: Record<string, string>, command = process.execPath): Promise<Server> {
  const t0 = performance.now()
  const { url, child } = await spawnListening(args, { command, env: { ...env, PORT: '0' }, logLimit: 4000 })
  return { url, child, listeningMs: performance.now() - t0 }
}

/**
 * Ends the child's process group and waits for all of it: under `npm start` the server is npm's
 * child, and it is still writing its last checkpoint after npm itself has exited.
 */
export async function stopServer(child: ChildProcess): Promise<void> {
  const groupAlive = () => {
    try {
      process.kill(-child.pid!, 0)
      return true
    } catch {
      return false
    }
  }
  if (groupAlive()) process.kill(-child.pid!, 'SIGTERM')
  if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve))
  while (groupAlive()) await new Promise((r) => setTimeout(r, 20))
}

/** Resident set size of a process, in MiB (VmRSS). */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1])
  return Math.round((kb / 1024) * 10) / 10
}

/**
 * Milliseconds from spawning `node <args>` to the first 200 of GET /health, polling every 5 ms
 * (the server reads PORT=0, so the port comes from its "listening on" line).
 */
export async function coldStart(args: string[], env: Record<string, string>, command = process.execPath): Promise<number> {
  const t0 = performance.now()
  const server = await spawnServer(args, env, command)
  try {
    for (;;) {
      const res = await fetch(`${server.url}/health`).catch(() => undefined)
      if (res?.status === 200) return performance.now() - t0
      await new Promise((r) => setTimeout(r, 5))
    }
  } finally {
    await stopServer(server.child)
  }
}

/** Runs a command that prints one line of JSON at its end, and parses that line. */
export function jsonChild<T>(command: string, args: string[], env: Record<string, string> = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)))
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? ''
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err}`))
      try {
        resolve(JSON.parse(line) as T)
      } catch {
        reject(new Error(`${command} ${args.join(' ')} printed no JSON: ${out}${err}`))
      }
    })
  })
}

/** Writes a load spec for bench/load-child.ts and runs it in its own process. */
export async function runLoad<T>(loadBundle: string, specFile: string, spec: unknown): Promise<T> {
  await writeFile(specFile, JSON.stringify(spec))
  return jsonChild<T>(process.execPath, [loadBundle, specFile])
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
