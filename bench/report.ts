/**
 * The table `npm run bench` prints, and its section of docs/benchmarks.md (replaced on every run,
 * the other sections kept): the machine it ran on, how to run it again, the numbers.
 */
import { execFileSync } from 'node:child_process'
import { cpus, loadavg, totalmem } from 'node:os'
import { ROOT, writeBenchmarkSection } from './support.ts'

export const HEADING = '## `npm run bench`'

export interface Machine {
  cpu: string
  cores: number
  memoryGiB: number
  node: string
  commit: string
  date: string
  /** 1-minute load average when the run started (other work on the machine). */
  load: number
}

export function machine(): Machine {
  const git = (...args: string[]) => execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' }).trim()
  let commit = 'unknown'
  try {
    commit = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? ' with uncommitted changes' : ''}`
  } catch {
    // Not a git checkout.
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    commit,
    date: new Date().toISOString().slice(0, 10),
    load: Math.round(loadavg()[0]! * 100) / 100,
  }
}

export interface Row {
  what: string
  how: string
  result: string
  target: string
  met: boolean | null
}

export function table(rows: Row[]): string {
  const lines = ['| measure | how | result | target | met |', '|---|---|---|---|---|']
  for (const r of rows) lines.push(`| ${r.what} | ${r.how} | ${r.result} | ${r.target} | ${r.met === null ? '-' : r.met ? 'yes' : '**no**'} |`)
  return lines.join('\n')
}

export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

export function section(m: Machine, body: string, notes: string[]): string {
  return [
    HEADING,
    '',
    `Run on ${m.date}: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, commit ${m.commit}.` +
      ` Load average ${m.load} when it started${m.load > 0.5 ? ': the machine was shared with other work (the last note says how busy it was when each measurement began), so compare rows within this run and expect absolute numbers to vary between runs' : ''}.`,
    '',
    'To reproduce: `npm install && npm run bench` (about 10 minutes; loopback ports only). It builds the',
    'server as `npm start` does (scripts/build-node.mjs: an esbuild bundle of src/entry/node.ts on plain',
    'node) and bundles the other measured programs the same way into dist/, then prints this table and',
    'rewrites this section.',
    '',
    body,
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n')
}

/** Replaces this section of docs/benchmarks.md. */
export const writeSection = (text: string) => writeBenchmarkSection(HEADING, text)
