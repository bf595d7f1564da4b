/**
 * The `kinerja` command line (Node). `kinerja validate [dir...]` lints package folders the way
 * a compiler reports errors: `workflows/<id>/<file>:line:col  pointer  message`, so a terminal or
 * an editor can jump to each one. Commands live in a table; `main(argv, io)` is what tests run.
 */
import { readFile, stat } from 'node:fs/promises'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseJson } from '../json/parse-json.ts'
import { formatProblem } from '../package/format-problem.ts'
import { loadPackage, type KnownVersion } from '../package/load-package.ts'
import { createLowdbStore } from '../store/lowdb-store.ts'
import { simulateCommand } from './cli-simulate.ts'
import { nodeDocumentFiles } from './node-document-files.ts'
import { listPackageDirs, readPackageDir } from './package-files.ts'

export interface Io {
  stdout(text: string): void
  stderr(text: string): void
  /** Folder that relative arguments and printed paths are relative to. */
  cwd: string
}

export interface Command {
  /** One line for the usage text. */
  usage: string
  run(args: string[], io: Io): Promise<number>
}

export const processIo = (): Io => ({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
})

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

/** `path` as the user would open it: relative to the working folder when inside it, '/'-separated. */
export function displayPath(cwd: string, path: string): string {
  const abs = resolve(cwd, path)
  const rel = relative(cwd, abs)
  const shown = rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? abs : rel
  return shown.split(sep).join('/')
}

/** Reads a --known file: a JSON array of {id, version, hash}. */
async function readKnown(file: string, io: Io): Promise<KnownVersion[] | string> {
  let text: string
  try {
    text = await readFile(resolve(io.cwd, file), 'utf8')
  } catch {
    return `cannot read --known file ${file}`
  }
  const parsed = parseJson(text)
  if (!parsed.ok) return `${file}:${parsed.errors[0]!.line}:${parsed.errors[0]!.col}  ${parsed.errors[0]!.message}`
  const ok =
    Array.isArray(parsed.value) &&
    parsed.value.every(
      (k) => typeof k === 'object' && k !== null && typeof k.version === 'string' && typeof k.hash === 'string' && (k.id === undefined || typeof k.id === 'string'),
    )
  return ok ? (parsed.value as KnownVersion[]) : `${file}: expected a JSON array of {"id", "version", "hash"}`
}

const isDir = (path: string) => stat(path).then((s) => s.isDirectory(), () => false)

/** Validates the package folders `dirs` (default: every folder in ./workflows); 1 when any has an error. */
export async function validatePackages(
  dirs: string[],
  opts: { known?: KnownVersion[]; storedVersions?: (id: string) => Promise<KnownVersion[]> },
  io: Io,
): Promise<number> {
  const folders = dirs.length > 0 ? dirs : (await listPackageDirs(resolve(io.cwd, 'workflows'))).map((d) => relative(io.cwd, d))
  if (folders.length === 0) {
    io.stderr('kinerja validate: no package folders in workflows/ (give folders to check: kinerja validate <dir>...)\n')
    return 1
  }
  let errors = 0
  let warnings = 0
  for (const dir of folders) {
    const abs = resolve(io.cwd, dir)
    const shown = displayPath(io.cwd, abs)
    if (!(await isDir(abs))) {
      io.stdout(`${shown}  no such folder\n`)
      errors++
      continue
    }
    const files = await readPackageDir(abs)
    const id = workflowId(files)
    const stored = id !== undefined && opts.storedVersions ? await opts.storedVersions(id) : []
    const { package: pkg, problems } = await loadPackage(files, { known: [...(opts.known ?? []), ...stored] })
    for (const p of problems) {
      io.stdout(formatProblem(p, `${shown}/${p.file}`) + '\n')
      if (p.severity === 'error') errors++
      else warnings++
    }
    if (pkg) io.stdout(`${shown}  ok: ${pkg.id} ${pkg.version} (hash ${pkg.hash.slice(0, 12)})\n`)
  }
  const found = errors + warnings === 0 ? 'no problems' : `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`
  io.stdout(`checked ${plural(folders.length, 'package')}: ${found}\n`)
  return errors > 0 ? 1 : 0
}

function workflowId(files: Record<string, string>): string | undefined {
  const parsed = parseJson(files['workflow.json'] ?? '')
  const id = parsed.ok ? (parsed.value as { id?: unknown } | null)?.id : undefined
  return typeof id === 'string' ? id : undefined
}

/**
 * The versions a server has run, from its data folder: a package whose content changed there
 * without a version bump is refused at start, so validate says so first.
 */
async function storedVersionsIn(dataDir: string): Promise<((id: string) => Promise<KnownVersion[]>) | undefined> {
  if (!(await isDir(dataDir))) return undefined
  // Read-only: a server may own this folder and its journal right now.
  const store = await createLowdbStore(nodeDocumentFiles(dataDir, { readOnly: true }))
  return async (id) => (await store.listPackageVersions(id)).map((v) => ({ id: v.id, version: v.version, hash: v.hash }))
}

export const validateCommand: Command = {
  usage: 'validate [--known <versions.json>] [--data <dir>] [dir...]   check package folders (default: every folder in ./workflows)',
  async run(args, io) {
    const dirs: string[] = []
    let known: KnownVersion[] | undefined
    let dataDir = process.env.KINERJA_DATA_DIR ?? 'data'
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!
      if (arg === '--data') {
        const dir = args[++i]
        if (dir === undefined) return usage(io, 'kinerja validate: --data needs a folder')
        dataDir = dir
      } else if (arg === '--known') {
        const file = args[++i]
        if (file === undefined) return usage(io, 'kinerja validate: --known needs a file')
        const read = await readKnown(file, io)
        if (typeof read === 'string') {
          io.stderr(`kinerja validate: ${read}\n`)
          return 2
        }
        known = [...(known ?? []), ...read]
      } else if (arg === '--help' || arg === '-h') {
        io.stdout(usageText())
        return 0
      } else if (arg.startsWith('-')) return usage(io, `kinerja validate: unknown option ${arg}`)
      else dirs.push(arg)
    }
    return validatePackages(dirs, { known, storedVersions: await storedVersionsIn(resolve(io.cwd, dataDir)) }, io)
  },
}

/** The commands by name. */
export const commands: Record<string, Command> = { validate: validateCommand, simulate: simulateCommand }

export function usageText(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  kinerja ${c.usage.startsWith(name) ? c.usage : `${name} ${c.usage}`}`)
  return `usage:\n${lines.join('\n')}\n`
}

function usage(io: Io, problem?: string): number {
  if (problem) io.stderr(`${problem}\n`)
  io.stderr(usageText())
  return 2
}

/** Runs the command line `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...args] = argv
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usageText())
    return 0
  }
  const command = name === undefined ? undefined : Object.hasOwn(commands, name) ? commands[name] : undefined
  if (!command) return usage(io, name === undefined ? undefined : `kinerja: unknown command '${name}'`)
  return command.run(args, io)
}

// `tsx src/entry/cli.ts validate` runs it directly, as bin/kinerja.js does.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2))
}
