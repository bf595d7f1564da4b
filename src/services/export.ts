/**
 * A cycle's results as one table, one row per employee: NIP, name, unit, position, step and status,
 * then every variable the package marks for export (`report.export`, else `report.vars`), headed
 * with the package's labels in the request's language. Written as CSV (UTF-8 with a BOM, so Excel
 * reads Indonesian names right; RFC 4180) or as an XLSX workbook.
 *
 * Spreadsheet formula injection (DESIGN.md section 7, OWASP "CSV Injection"): any text cell that
 * starts with = + - @, a tab or a carriage return gets a leading apostrophe, so a name or comment
 * such as `=HYPERLINK(...)` is shown as text and never run. Numbers stay numbers.
 *
 * Only results (vars) are read, never answers: no peer's individual answer reaches an export.
 */
import type { Text } from '../generated/types.ts'
import { label, t, type Lang } from '../i18n/index.ts'
import '../i18n/dashboard.ts'
import type { LoadedPackage } from '../package/loaded-package.ts'
import type { Cycle, Instance, RosterEntry } from '../store/records.ts'
import type { Deps } from './deps.ts'
import { xlsx, type Cell } from './xlsx.ts'

export interface ExportTable {
  header: string[]
  rows: Cell[][]
}

/** An object variable with more keys than this is written as JSON text in one column. */
export const MAX_SUBCOLUMNS = 20

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
const isText = (v: unknown): v is Text =>
  isObject(v) && typeof v.id === 'string' && Object.keys(v).every((k) => k === 'id' || (k === 'en' && typeof v.en === 'string'))

/** The variables the package exports, in order. */
export function exportVars(pkg: LoadedPackage): string[] {
  // `report.export` is being added to the schema; until the generated type has it, read it loosely.
  const report = pkg.workflow.report as { export?: unknown; vars?: unknown } | undefined
  const list = Array.isArray(report?.export) ? report.export : Array.isArray(report?.vars) ? report.vars : []
  return list.filter((v): v is string => typeof v === 'string')
}

function varLabel(pkg: LoadedPackage, name: string, lang: Lang): string {
  const labels = (pkg.workflow.report as { labels?: Record<string, unknown> } | undefined)?.labels
  return (isObject(labels) && label(labels[name], lang)) || name
}

/** One value as a cell: text, a number, yes/no, a package text in `lang`, a list joined, or JSON. */
export function cellOf(v: unknown, lang: Lang): Cell {
  if (v === null || v === undefined) return null
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v)
  if (typeof v === 'string') return v
  if (typeof v === 'boolean') return t(lang, v ? 'export.yes' : 'export.no')
  if (isText(v)) return label(v, lang)
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object' || isText(x))) {
    return v.map((x) => String(cellOf(x, lang) ?? '')).join('; ')
  }
  return JSON.stringify(v)
}

interface Column {
  header: string
  get: (vars: Record<string, unknown>) => Cell
}

/**
 * A variable's columns: one, or, when every value it has is an object (e.g. nineBox), one per key
 * (`nineBox: box`, labelled by `report.labels["nineBox.box"]` when the package gives it).
 */
function varColumns(pkg: LoadedPackage, name: string, instances: Instance[], lang: Lang): Column[] {
  const header = varLabel(pkg, name, lang)
  const present = instances.map((i) => i.vars[name]).filter((v) => v !== null && v !== undefined)
  const single: Column = { header, get: (vars) => cellOf(vars[name], lang) }
  if (present.length === 0 || !present.every((v) => isObject(v) && !isText(v))) return [single]
  const keys = [...new Set(present.flatMap((v) => Object.keys(v as object)))]
  if (keys.length > MAX_SUBCOLUMNS) return [single]
  return keys.map((key) => {
    const own = varLabel(pkg, `${name}.${key}`, lang)
    return {
      header: own === `${name}.${key}` ? `${header}: ${key}` : own,
      get: (vars) => {
        const v = vars[name]
        return isObject(v) ? cellOf(v[key], lang) : null
      },
    }
  })
}

/** The table (pure): rows in roster order. */
export function exportTable(pkg: LoadedPackage, instances: Instance[], roster: RosterEntry[], lang: Lang): ExportTable {
  const byNip = new Map(roster.map((e) => [e.nip, e]))
  const order = new Map(roster.map((e, i) => [e.nip, i]))
  const sorted = [...instances].sort((a, b) => (order.get(a.nip) ?? Infinity) - (order.get(b.nip) ?? Infinity) || a.nip.localeCompare(b.nip))
  const positionTitle = (id: string | undefined) => {
    if (!id) return null
    const p = pkg.framework.positions?.find((x) => x.id === id)
    return p?.title ? label(p.title, lang) || id : id
  }
  const stateTitle = (state: string) => label(pkg.workflow.states[state]?.title, lang) || state
  const columns = exportVars(pkg).flatMap((name) => varColumns(pkg, name, sorted, lang))
  const header = [
    t(lang, 'export.nip'),
    t(lang, 'export.name'),
    t(lang, 'export.unit'),
    t(lang, 'export.position'),
    t(lang, 'export.state'),
    t(lang, 'export.status'),
    ...columns.map((c) => c.header),
  ]
  const rows = sorted.map((i): Cell[] => {
    const e = byNip.get(i.nip)
    return [
      i.nip,
      e?.name ?? null,
      e?.unit ?? null,
      positionTitle(e?.position),
      stateTitle(i.state),
      t(lang, `dashboard.instanceStatus.${i.status}`),
      ...columns.map((c) => c.get(i.vars)),
    ]
  })
  return { header, rows }
}

export async function cycleExport(deps: Deps, cycle: Cycle, lang: Lang): Promise<ExportTable> {
  const pkg = await deps.packages.version(cycle.package.id, cycle.package.hash)
  const [instances, roster] = await Promise.all([deps.store.listInstances(cycle.id), deps.store.getRoster(cycle.id)])
  return exportTable(pkg, instances, roster, lang)
}

/** OWASP: a cell a spreadsheet would read as a formula (or whose tab/CR could start one) is made text. */
export function escapeFormula(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
}

const escapeCell = (v: Cell): Cell => (typeof v === 'string' ? escapeFormula(v) : v)

function csvField(v: Cell): string {
  if (v === null) return ''
  const s = typeof v === 'number' ? String(v) : escapeFormula(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** RFC 4180 (comma, CRLF, quotes doubled) with a UTF-8 BOM in front. */
export function toCsv(table: ExportTable): string {
  return `\ufeff${[table.header, ...table.rows].map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`
}

export function toXlsx(table: ExportTable, lang: Lang, at?: Date): Uint8Array {
  return xlsx(t(lang, 'export.sheet'), table.header.map(escapeFormula), table.rows.map((r) => r.map(escapeCell)), at)
}

/** `<office>-<cycle name>.<ext>`, ASCII letters, digits and '-' only. */
export function exportFileName(cycle: Cycle, ext: 'csv' | 'xlsx'): string {
  const slug = `${cycle.office}-${cycle.name}`
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
  return `${slug || cycle.id}.${ext}`
}
