/**
 * `kinerja simulate <package> --roster <file> --submissions <dir> [--actions <file>] [--json]`:
 * runs a package over sample data in memory (nothing is stored) and prints every step and each
 * employee's explained result, so HR can try a change before a cycle starts.
 */
import { readFile, readdir } from 'node:fs/promises'
import { extname, join, resolve } from 'node:path'
import { formatProblem } from '../package/format-problem.ts'
import { loadPackage } from '../package/load-package.ts'
import { parseJson } from '../json/parse-json.ts'
import { parseRoster } from '../services/roster.ts'
import { simulate, type ScriptedAction } from '../services/simulate.ts'
import { simulationReport } from '../services/simulation-report.ts'
import { isAppError } from '../errors.ts'
import type { Submission } from '../generated/types.ts'
import type { Command, Io } from './cli.ts'
import { readPackageDir } from './package-files.ts'

const USAGE = 'simulate <package-dir> --roster <roster.csv|roster.json> --submissions <dir> [--actions <actions.json>] [--json]'

async function readJson(path: string): Promise<unknown> {
  const parsed = parseJson(await readFile(path, 'utf8'))
  if (!parsed.ok) {
    const e = parsed.errors[0]!
    throw new Error(`${path}:${e.line}:${e.col}  ${e.message}`)
  }
  return parsed.value
}

export const simulateCommand: Command = {
  usage: USAGE,
  async run(args: string[], io: Io): Promise<number> {
    const opts: Record<string, string> = {}
    const positional: string[] = []
    let json = false
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!
      if (a === '--json') json = true
      else if (a === '--roster' || a === '--submissions' || a === '--actions') {
        const v = args[++i]
        if (v === undefined) return fail(io, `${a} needs a value`)
        opts[a.slice(2)] = v
      } else if (a.startsWith('-')) return fail(io, `unknown option ${a}`)
      else positional.push(a)
    }
    if (positional.length !== 1 || !opts.roster || !opts.submissions) return fail(io, 'give one package folder, --roster and --submissions')
    const at = (p: string) => resolve(io.cwd, p)

    try {
      const { package: pkg, problems } = await loadPackage(await readPackageDir(at(positional[0]!)))
      for (const p of problems) io.stderr(formatProblem(p, `${positional[0]}/${p.file}`) + '\n')
      if (!pkg) {
        io.stderr('kinerja simulate: the package has errors (see above); fix them first\n')
        return 1
      }
      const rosterText = await readFile(at(opts.roster), 'utf8')
      const roster = parseRoster(rosterText, extname(opts.roster).toLowerCase() === '.json' ? 'json' : 'csv')
      const dir = at(opts.submissions)
      const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()
      const submissions = (await Promise.all(names.map((n) => readJson(join(dir, n))))) as Submission[]
      const actions = opts.actions ? ((await readJson(at(opts.actions))) as ScriptedAction[]) : []
      const result = await simulate(pkg, { roster, submissions, actions })
      if (json) io.stdout(JSON.stringify(result, null, 2) + '\n')
      else {
        const byNip = new Map((roster as { nip?: string; name?: string }[]).map((e) => [String(e.nip), String(e.name)]))
        io.stdout(simulationReport(result, byNip))
      }
      // Exit 1 when anything was refused or an appraisal failed, so a script can rely on it.
      return result.steps.some((s) => !s.ok) || result.results.some((r) => r.status === 'failed') ? 1 : 0
    } catch (e) {
      if (isAppError(e)) {
        io.stderr(`kinerja simulate: ${e.detail}\n`)
        for (const f of e.errors ?? []) io.stderr(`  ${f.path}: ${f.message}\n`)
        return 1
      }
      if (e instanceof Error && 'code' in e && (e as NodeJS.ErrnoException).code === 'ENOENT') {
        io.stderr(`kinerja simulate: ${(e as NodeJS.ErrnoException).path ?? e.message} does not exist\n`)
        return 1
      }
      if (e instanceof Error && /^\//.test(e.message)) {
        io.stderr(`kinerja simulate: ${e.message}\n`)
        return 1
      }
      throw e
    }
  },
}

function fail(io: Io, problem: string): number {
  io.stderr(`kinerja simulate: ${problem}\nusage: kinerja ${USAGE}\n`)
  return 2
}
