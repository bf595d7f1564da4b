/**
 * The dashboard's predikat distribution (SE MenPANRB 3/2023): final evaluations counted per
 * predikat, as the package's distribution rule counts them, next to the quotas the rule reads for
 * the organisation's predikat (params.kurvaDistribusi: {sebutanLain, pola}).
 */
import type { LoadedPackage } from '../package/loaded-package.ts'
import type { Cycle, Instance } from '../store/records.ts'

/** PermenPANRB 6/2022: the five predikat, best first (a package's params.predikatRank overrides). */
export const PREDIKAT = ['Sangat Baik', 'Baik', 'Butuh Perbaikan', 'Kurang/Misconduct', 'Sangat Kurang'] as const

export interface Quota {
  predikat: string[]
  minPersen?: number
  maksPersen?: number
  minPegawai?: number
  maksPegawai?: number
  terbanyak?: boolean
  count: number
  percent: number | null
  /** null while no evaluation is final (nothing to compare). */
  met: boolean | null
}

export interface Distribution {
  /** Employees whose evaluation is final with a predikat: what the curve is about. */
  counted: number
  /** The others (in progress, or final without a predikat). */
  pending: number
  predikat: { name: string; count: number; percent: number | null }[]
  /** cycle.params.predikatOrganisasi as HR set it. */
  organisation: string | null
  /** The pattern it selects (another name resolved, e.g. Cukup -> Butuh Perbaikan); null when unknown. */
  pattern: string | null
  /** The pattern's quotas with this cycle's numbers; null without a pattern. */
  quotas: Quota[] | null
  /** Whether the package carries quotas (params.kurvaDistribusi) at all. */
  hasQuotas: boolean
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const percentOf = (k: number, n: number) => (n === 0 ? null : Math.round((k * 1000) / n) / 10)

/** The predikat names in the package's order (params.predikatRank, best first), else PermenPANRB 6/2022's. */
function predikatOrder(params: Record<string, unknown>): string[] {
  const r = params.predikatRank
  if (isObject(r)) {
    const names = Object.entries(r).filter(([, v]) => typeof v === 'number') as [string, number][]
    if (names.length > 0) return names.sort((a, b) => b[1] - a[1]).map(([n]) => n)
  }
  return [...PREDIKAT]
}

/**
 * Counts as the distribution rule counts (final evaluations with a predikat), and sets them next to
 * the quotas the rule reads (params.kurvaDistribusi: {sebutanLain, pola}). The rule's findings stay
 * the verdict; `met` only marks each quota's line in the table.
 */
export function distribution(pkg: LoadedPackage, cycle: Cycle, instances: Instance[]): Distribution {
  const params = (pkg.workflow.params ?? {}) as Record<string, unknown>
  const final = instances.filter((i) => i.status === 'done' && typeof i.vars.predikat === 'string')
  const n = final.length
  const counts = new Map<string, number>()
  for (const i of final) counts.set(i.vars.predikat as string, (counts.get(i.vars.predikat as string) ?? 0) + 1)
  const names = predikatOrder(params)
  for (const name of counts.keys()) if (!names.includes(name)) names.push(name)
  const countOf = (list: string[]) => list.reduce((t, p) => t + (counts.get(p) ?? 0), 0)

  const org = typeof cycle.params?.predikatOrganisasi === 'string' ? cycle.params.predikatOrganisasi : null
  const kurva = isObject(params.kurvaDistribusi) ? params.kurvaDistribusi : null
  const pola = kurva && isObject(kurva.pola) ? kurva.pola : null
  const alias = org !== null && kurva && isObject(kurva.sebutanLain) && typeof kurva.sebutanLain[org] === 'string' ? (kurva.sebutanLain[org] as string) : null
  const pattern = org !== null && pola && Array.isArray(pola[alias ?? org]) ? (alias ?? org) : null
  const quotas =
    pattern === null
      ? null
      : (pola![pattern] as unknown[]).filter(isObject).map((q): Quota => {
          const predikat = (Array.isArray(q.predikat) ? q.predikat : [q.predikat]).filter((p): p is string => typeof p === 'string')
          const k = countOf(predikat)
          const bounds = {
            ...(num(q.minPersen) !== undefined ? { minPersen: num(q.minPersen) } : {}),
            ...(num(q.maksPersen) !== undefined ? { maksPersen: num(q.maksPersen) } : {}),
            ...(num(q.minPegawai) !== undefined ? { minPegawai: num(q.minPegawai) } : {}),
            ...(num(q.maksPegawai) !== undefined ? { maksPegawai: num(q.maksPegawai) } : {}),
            ...(q.terbanyak === true ? { terbanyak: true } : {}),
          }
          // Exact comparison without rounding, as the rule does: 10% of 3 means at least 1 person.
          const met =
            n === 0
              ? null
              : (bounds.maksPersen === undefined || k * 100 <= bounds.maksPersen * n) &&
                (bounds.minPersen === undefined || k * 100 >= bounds.minPersen * n) &&
                (bounds.minPegawai === undefined || k >= bounds.minPegawai) &&
                (bounds.maksPegawai === undefined || k <= bounds.maksPegawai) &&
                (bounds.terbanyak !== true || [...counts.entries()].every(([p, c]) => predikat.includes(p) || c <= k))
          return { predikat, ...bounds, count: k, percent: percentOf(k, n), met }
        })
  return {
    counted: n,
    pending: instances.length - n,
    predikat: names.map((name) => ({ name, count: counts.get(name) ?? 0, percent: percentOf(counts.get(name) ?? 0, n) })),
    organisation: org,
    pattern,
    quotas,
    hasQuotas: pola !== null,
  }
}
