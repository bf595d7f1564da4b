/**
 * Scoring benchmark: the results of a cycle of 10,000 employees computed by the real engine with
 * the bundled Plaju package. Every employee (10-11 required competencies, by position) has all
 * seven answers in: self and supervisor on the full forms (two questions per competency, some
 * weighted) and five peers on the peer form. What is timed is the collect state's deadline for
 * every instance, one after the other: `transition` runs `score` (role means, counts, the
 * per-competency weighted scores, discrepancies), the two choices, and `final` (gaps, JPM,
 * predikat, training plan, 9-box, tugas belajar) until the appraisal waits in `objection`.
 * Building the instances and their answers is not timed.
 *
 *   node --import tsx bench/scoring.ts [employees] [runs]   # prints one JSON line
 *
 * bench/run.ts runs it pinned to one core (taskset -c 0).
 */
import { readPackageDir } from '../src/entry/package-files.ts'
import { newInstance, transition } from '../src/engine/transition.ts'
import type { EngineEnv } from '../src/engine/types.ts'
import type { Form, RosterEntry } from '../src/generated/types.ts'
import { loadPackage } from '../src/package/load-package.ts'
import type { LoadedPackage } from '../src/package/loaded-package.ts'
import type { Cycle, Instance, ReceivedSubmission } from '../src/store/records.ts'
import { ROOT, nip } from './support.ts'

const SUPERVISOR = '197611042003121003'
const SUPERIOR = '197604152000031002'
const PEERS = 5

export async function plaju(): Promise<LoadedPackage> {
  const { package: pkg, problems } = await loadPackage(await readPackageDir(`${ROOT}workflows/plaju-kompetensi-360`))
  if (!pkg) throw new Error(`the Plaju package does not load: ${JSON.stringify(problems)}`)
  return pkg
}

/** A fixed-seed generator, so every run scores the same answers. */
function random(seed: number) {
  let s = seed
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
}

/**
 * Answers of one rater: each competency's questions at the employee's level for it, moved by
 * `spread` at random (clamped to 1-5). Self and supervisor stay within half a level of each other
 * on average, so no appraisal stops for a discussion and every one reaches its final result.
 */
function answers(form: Form, levels: Map<string, number>, rnd: () => number, spread: number, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...extra }
  for (const [prop, q] of Object.entries(form.properties)) {
    const c = q['x-competency']
    if (!c) continue
    const base = levels.get(c) ?? 3
    out[prop] = Math.min(5, Math.max(1, base + Math.round((rnd() * 2 - 1) * spread)))
  }
  return out
}

export interface ScoringSetup {
  pkg: LoadedPackage
  cycle: Cycle
  items: { instance: Instance; env: EngineEnv }[]
}

/** `n` instances waiting in `collect` with every answer in (not timed). */
export async function setup(n: number, pkg?: LoadedPackage): Promise<ScoringSetup> {
  pkg ??= await plaju()
  const now = new Date('2026-01-05T08:00:00Z')
  const cycle: Cycle = {
    id: 'cyc_bench',
    office: 'bench',
    name: 'Bench 2026',
    package: { id: pkg.id, version: pkg.version, hash: pkg.hash },
    status: 'running',
    rev: 1,
    rosterSize: n,
    createdAt: now.toISOString(),
    startedAt: now.toISOString(),
    params: { periode: 'tahunan', tahun: 2026 },
  }
  const positions = pkg.framework.positions.filter((p) => Object.keys(p.required).length >= 10)
  const rnd = random(7)
  const at = now.toISOString()
  const items: ScoringSetup['items'] = []
  for (let i = 0; i < n; i++) {
    const position = positions[i % positions.length]!
    const employee: RosterEntry = {
      nip: nip(i),
      name: `Pegawai ${i}`,
      position: position.id,
      supervisor: SUPERVISOR,
      superior: SUPERIOR,
      peers: Array.from({ length: PEERS }, (_, k) => nip((i + k + 1) % n)),
    }
    const env: EngineEnv = { now, cycle, employee, history: [] }
    const started = await transition(pkg, newInstance({ id: `${cycle.id}.${employee.nip}`, cycle, nip: employee.nip, now }), { type: 'start' }, env)
    const instance = started.instance
    if (instance.state !== 'collect') throw new Error(`instance ${i} starts in '${instance.state}', not collect`)
    const levels = new Map(Object.entries(position.required).map(([c, r]) => [c, Math.min(5, Math.max(1, r + Math.round(rnd() * 2 - 1)))]))
    const submission = (form: string, role: string, rater: string, spread: number, extra: Record<string, unknown> = {}): ReceivedSubmission => {
      const a = answers(pkg!.forms[form]!, levels, rnd, spread, { subject: employee.nip, rater, ...extra })
      return { form, role, subject: employee.nip, rater, answers: a, receipt: `r-${i}-${role}-${rater}`, receivedAt: at }
    }
    instance.responses = {
      self: [submission('self', 'self', employee.nip, 0.5)],
      supervisor: [submission('supervisor', 'supervisor', SUPERVISOR, 0.5, { ratingHasilKerja: (['di-bawah', 'sesuai', 'di-atas'] as const)[i % 3] })],
      peer: employee.peers!.map((p) => submission('peer', 'peer', p, 1)),
    }
    items.push({ instance, env })
  }
  // The answers are ones the forms accept (checked on a sample: the check is intake's cost, not scoring's).
  for (const { instance } of items.slice(0, 20)) {
    for (const r of Object.values(instance.responses).flat()) {
      const errors = pkg.formChecks[r.form]!(r.answers)
      if (errors.length > 0) throw new Error(`generated answers do not fit form '${r.form}': ${JSON.stringify(errors)}`)
    }
  }
  return { pkg, cycle, items }
}

/**
 * The timed part: the collect deadline of every instance, in turn. Returns the wall-clock ms, the
 * CPU ms the process used meanwhile (the same on an idle core; less when other work shares it) and
 * the results.
 */
export async function score(s: ScoringSetup): Promise<{ ms: number; cpuMs: number; results: Instance[] }> {
  const results: Instance[] = []
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (const { instance, env } of s.items) {
    results.push((await transition(s.pkg, instance, { type: 'deadline', state: 'collect', kind: 'deadline' }, env)).instance)
  }
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, results }
}

/** Every appraisal must end the run waiting in `objection` with a predikat: otherwise nothing was scored. */
export function checkResults(results: Instance[]): { predikat: Record<string, number> } {
  const predikat: Record<string, number> = {}
  for (const r of results) {
    if (r.status !== 'active' || r.state !== 'objection') throw new Error(`instance ${r.id} is ${r.status} in '${r.state}'${r.error ? `: ${r.error.message}` : ''}`)
    const p = r.vars.predikat
    if (typeof p !== 'string') throw new Error(`instance ${r.id} has no predikat: ${JSON.stringify(r.vars.predikatNote)}`)
    if (!Array.isArray(r.vars.scores) || (r.vars.scores as unknown[]).length < 10) throw new Error(`instance ${r.id} has fewer than 10 scores`)
    predikat[p] = (predikat[p] ?? 0) + 1
  }
  return { predikat }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 10_000)
  const runs = Number(process.argv[3] ?? 3)
  const s = await setup(n)
  // Warm-up: the JIT and jsonata's caches, on a slice of the same cycle.
  await score({ ...s, items: s.items.slice(0, Math.min(n, 1000)) })
  const times: number[] = []
  const cpuTimes: number[] = []
  let summary: ReturnType<typeof checkResults> | undefined
  for (let r = 0; r < runs; r++) {
    const { ms, cpuMs, results } = await score(s)
    summary = checkResults(results)
    times.push(ms)
    cpuTimes.push(cpuMs)
  }
  process.stdout.write(`${JSON.stringify({ employees: n, runs: times.map((t) => Math.round(t)), cpu: cpuTimes.map((t) => Math.round(t)), ...summary })}\n`)
}
