/**
 * The data-driven suite of cycle rules: every test/cases/<package>/cycle/*.json case evaluates the
 * real package's `cycleRules` (workflows/<package>/, loaded by loadPackage) over the appraisals it
 * describes and checks what each rule says. The format is documented in test/cases/README.md
 * ("Cycle cases"); this file is its one runner.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { evaluateCycleRules } from '../src/engine/cycle-rules.ts'
import { readPackageDir } from '../src/entry/package-files.ts'
import type { RosterEntry } from '../src/generated/types.ts'
import { loadPackage } from '../src/package/load-package.ts'
import type { Cycle, Instance, InstanceStatus } from '../src/store/records.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const casesDir = join(root, 'test/cases')

interface CaseInstance {
  /** How many appraisals this entry stands for (default 1); each gets its own NIP. */
  count?: number
  nip?: string
  status: InstanceStatus
  state?: string
  outcome?: string
  vars?: Record<string, unknown>
  employee?: Omit<RosterEntry, 'nip'>
}

interface CycleCase {
  description: string
  notes?: string[]
  at?: string
  cycle?: { name?: string; params?: Record<string, unknown> }
  instances: CaseInstance[]
  expect: { rules: Record<string, unknown>[] }
}

/** Differences between `actual` and the partial `expected` (objects: the keys written; arrays: every item, in order). */
function mismatches(actual: unknown, expected: unknown, path: string): string[] {
  if (actual === undefined) return [`${path}: missing (expected ${JSON.stringify(expected)})`]
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [`${path}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`]
    return expected.flatMap((e, i) => mismatches(actual[i], e, `${path}/${i}`))
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return [`${path}: expected an object, found ${JSON.stringify(actual)}`]
    return Object.entries(expected).flatMap(([k, e]) => mismatches((actual as Record<string, unknown>)[k], e, `${path}/${k}`))
  }
  return Object.is(actual, expected) ? [] : [`${path}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`]
}

/** The case's appraisals as the store would hold them (only what a cycle rule reads is filled). */
function instancesOf(c: CycleCase, cycle: Cycle, at: string): { instances: Instance[]; roster: RosterEntry[] } {
  const instances: Instance[] = []
  const roster: RosterEntry[] = []
  let serial = 0
  for (const entry of c.instances) {
    if (entry.nip !== undefined && (entry.count ?? 1) !== 1) throw new Error(`nip ${entry.nip} is given with count ${entry.count}: a NIP names one appraisal`)
    for (let n = 0; n < (entry.count ?? 1); n++) {
      const nip = entry.nip ?? `19900101202001${String(++serial).padStart(4, '0')}`
      roster.push({ name: `Pegawai ${nip.slice(-4)}`, position: 'pelaksana', ...entry.employee, nip })
      instances.push({
        id: `${cycle.id}.${nip}`,
        cycle: cycle.id,
        office: cycle.office,
        nip,
        rev: 1,
        status: entry.status,
        state: entry.state ?? entry.status,
        stateEnteredAt: at,
        vars: entry.vars ?? {},
        responses: {},
        tasks: [],
        deadlines: [],
        explanations: {},
        ...(entry.outcome !== undefined ? { outcome: entry.outcome } : {}),
        createdAt: at,
        updatedAt: at,
      })
    }
  }
  return { instances, roster }
}

const hasCycleCases = (name: string) => statSync(join(casesDir, name)).isDirectory() && statSync(join(casesDir, name, 'cycle'), { throwIfNoEntry: false })?.isDirectory()
const packages = readdirSync(casesDir).filter(hasCycleCases)

for (const name of packages) {
  describe(`cycle rules of package ${name}`, async () => {
    const { package: pkg, problems } = await loadPackage(await readPackageDir(join(root, 'workflows', name)))
    if (!pkg) throw new Error(`workflows/${name} does not load:\n${JSON.stringify(problems, null, 2)}`)
    const dir = join(casesDir, name, 'cycle')
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const c = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CycleCase
      it(`${c.description} (cycle/${file})`, async () => {
        const at = c.at ?? '2026-12-31T08:00:00.000Z'
        const cycle: Cycle = {
          id: `cases-${pkg.id}`,
          office: 'cases',
          name: c.cycle?.name ?? `Case: ${c.description}`,
          package: { id: pkg.id, version: pkg.version, hash: pkg.hash },
          status: 'running',
          rev: 1,
          rosterSize: 0,
          createdAt: '2026-01-05T01:00:00.000Z',
          ...(c.cycle?.params ? { params: c.cycle.params } : {}),
        }
        const { instances, roster } = instancesOf(c, cycle, at)
        const results = await evaluateCycleRules(pkg, cycle, instances, roster, new Date(at))
        const problems: string[] = []
        for (const want of c.expect.rules) {
          const got = results.find((r) => r.rule === want.rule)
          if (!got) problems.push(`no rule '${String(want.rule)}' (the package has: ${results.map((r) => r.rule).join(', ')})`)
          else problems.push(...mismatches(got, want, `rule ${got.rule}`))
        }
        expect(problems).toEqual([])
      })
    }
  })
}
