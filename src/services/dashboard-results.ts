/**
 * The dashboard's view of the appraisals' results across the office: the 9-box counts
 * (PermenPANRB 3/2020), the training needs with their JP and the competency gaps. Each reads one
 * result variable (`nineBox`, `training`, `gaps`) of every appraisal that has it.
 */
import type { Text } from '../generated/types.ts'
import type { LoadedPackage } from '../package/loaded-package.ts'
import type { Instance } from '../store/records.ts'

/** PermenPANRB 3/2020 as the SIMATA/SIMPEG apps number it (domain.md section 4), when the package has no layout. */
const NINE_BOX_LAYOUT: Record<string, Record<string, number>> = {
  high: { below: 6, meets: 8, above: 9 },
  medium: { below: 3, meets: 5, above: 7 },
  low: { below: 1, meets: 2, above: 4 },
}
export const POTENTIALS = ['high', 'medium', 'low'] as const
export const PERFORMANCES = ['below', 'meets', 'above'] as const

export interface NineBoxCell {
  box: number
  potential: string
  performance: string
  count: number
  followUp: Text | null
  talentPool: boolean
  employees: { instance: string; nip: string; name: string }[]
}

export interface NineBoxSummary {
  counted: number
  /** Results computed without a box (no predikat or no JPM). */
  without: number
  /** The nine cells, high potential first, below to above. */
  cells: NineBoxCell[]
}

export interface TrainingNeed {
  /** The competency the training closes; null for the general item that tops up the yearly JP. */
  competency: string | null
  name: Text | null
  title: string
  route: string | null
  employees: number
  jp: number
}

export interface GapNeed {
  competency: string
  name: Text
  employees: number
  /** Mean of the (negative) gaps, in levels, to 2 decimals. */
  meanGap: number
  largestGap: number
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const round2 = (v: number) => Math.round(v * 100) / 100

/** The 9-box of every appraisal whose result has one (vars.nineBox: {box, performance, potential, followUp}). */
export function nineBox(pkg: LoadedPackage, instances: Instance[], nameOf: (nip: string) => string): NineBoxSummary {
  const params = (pkg.workflow.params ?? {}) as Record<string, unknown>
  const nb = isObject(params.nineBox) ? params.nineBox : null
  const withVar = instances.filter((i) => 'nineBox' in i.vars)
  const layout = nb && isObject(nb.boxes) ? (nb.boxes as Record<string, Record<string, number>>) : NINE_BOX_LAYOUT
  const followUps = nb && isObject(nb.followUps) ? nb.followUps : {}
  const pool = new Set(nb && Array.isArray(nb.talentPool) ? nb.talentPool.filter((b): b is number => typeof b === 'number') : [7, 8, 9])
  const cells: NineBoxCell[] = []
  for (const potential of POTENTIALS) {
    for (const performance of PERFORMANCES) {
      const box = num(layout[potential]?.[performance]) ?? NINE_BOX_LAYOUT[potential]![performance]!
      const f = followUps[String(box)]
      cells.push({ box, potential, performance, count: 0, followUp: isObject(f) && typeof f.id === 'string' ? (f as unknown as Text) : typeof f === 'string' ? { id: f } : null, talentPool: pool.has(box), employees: [] })
    }
  }
  let counted = 0
  let without = 0
  for (const i of withVar) {
    const v = i.vars.nineBox
    const box = isObject(v) ? num(v.box) : undefined
    const cell = box === undefined ? undefined : cells.find((c) => c.box === box)
    if (!cell) {
      without++
      continue
    }
    counted++
    cell.count++
    cell.employees.push({ instance: i.id, nip: i.nip, name: nameOf(i.nip) })
  }
  return { counted, without, cells }
}

const competencyName = (pkg: LoadedPackage, id: string, fallback: unknown): Text => {
  const c = pkg.framework.competencies.find((x) => x.id === id)
  if (c?.name) return c.name as Text
  return { id: typeof fallback === 'string' ? fallback : id }
}

/** vars.training of every appraisal ([{competency, name, title, route, jp}]): how many need each, and their JP. */
export function training(pkg: LoadedPackage, instances: Instance[]): TrainingNeed[] {
  const needs = new Map<string, TrainingNeed>()
  for (const i of instances) {
    const list = i.vars.training
    if (!Array.isArray(list)) continue
    const seen = new Set<string>()
    for (const item of list) {
      if (!isObject(item) || typeof item.title !== 'string') continue
      const competency = typeof item.competency === 'string' ? item.competency : null
      const key = competency ?? `\u0000${item.title}`
      const need = needs.get(key) ?? {
        competency,
        name: competency ? competencyName(pkg, competency, item.name) : null,
        title: item.title,
        route: typeof item.route === 'string' ? item.route : null,
        employees: 0,
        jp: 0,
      }
      if (!seen.has(key)) need.employees++
      seen.add(key)
      need.jp += num(item.jp) ?? 0
      needs.set(key, need)
    }
  }
  return [...needs.values()].sort((a, b) => b.employees - a.employees || b.jp - a.jp || a.title.localeCompare(b.title))
}

/** vars.gaps of every appraisal ([{competency, name, gap}], gap < 0): how many fall short, by how much. */
export function gaps(pkg: LoadedPackage, instances: Instance[]): GapNeed[] {
  const out = new Map<string, { competency: string; name: Text; values: number[] }>()
  for (const i of instances) {
    const list = i.vars.gaps
    if (!Array.isArray(list)) continue
    for (const item of list) {
      if (!isObject(item) || typeof item.competency !== 'string') continue
      const gap = num(item.gap)
      if (gap === undefined || gap >= 0) continue
      const g = out.get(item.competency) ?? { competency: item.competency, name: competencyName(pkg, item.competency, item.name), values: [] }
      g.values.push(gap)
      out.set(item.competency, g)
    }
  }
  return [...out.values()]
    .map((g) => ({
      competency: g.competency,
      name: g.name,
      employees: g.values.length,
      meanGap: round2(g.values.reduce((t, v) => t + v, 0) / g.values.length),
      largestGap: Math.min(...g.values),
    }))
    .sort((a, b) => b.employees - a.employees || a.meanGap - b.meanGap || a.competency.localeCompare(b.competency))
}
