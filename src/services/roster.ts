/**
 * Roster import: who is appraised in a cycle and who assesses them, from JSON or CSV. Everything is
 * checked before anything is stored, and every problem names its row and field.
 */
import { AppError, type FieldError } from '../errors.ts'
import { validateRoster } from '../generated/validators.js'
import type { RosterEntry } from '../generated/types.ts'
import { translateAjvErrors } from '../json/ajv-errors.ts'
import { parseCsv } from '../json/csv.ts'
import { parseJson } from '../json/parse-json.ts'
import type { LoadedPackage } from '../package/loaded-package.ts'
import type { Cycle } from '../store/records.ts'
import type { Deps } from './deps.ts'

export const ROSTER_COLUMNS = ['nip', 'name', 'position', 'unit', 'email', 'supervisor', 'superior', 'peers'] as const

/** Parses a roster body; `kind` is 'csv' or 'json'. NIPs stay strings: a JSON number is an error. */
export function parseRoster(text: string, kind: 'csv' | 'json'): unknown[] {
  if (kind === 'json') {
    const parsed = parseJson(text)
    if (!parsed.ok) {
      throw new AppError('invalid-json', 'the roster is not valid JSON', {
        errors: parsed.errors.map((e) => ({ path: e.pointer || '/', message: `${e.message} (line ${e.line}, column ${e.col})` })),
      })
    }
    if (parsed.unsafeNumbers.length) {
      throw new AppError('invalid-roster', 'the roster has numbers where strings belong', {
        errors: parsed.unsafeNumbers.map((n) => ({ path: n.pointer, message: `${n.raw} is written as a number and loses digits; write NIPs as strings of 18 digits, e.g. "${n.raw}"` })),
      })
    }
    if (!Array.isArray(parsed.value)) {
      throw new AppError('invalid-roster', 'a JSON roster is an array of entries', { errors: [{ path: '/', message: 'must be an array' }] })
    }
    return parsed.value
  }
  return csvRows(text)
}

function csvRows(text: string): Record<string, unknown>[] {
  const parsed = parseCsv(text)
  if (!parsed.ok) {
    throw new AppError('invalid-roster', 'the roster is not valid CSV', {
      errors: parsed.errors.map((e) => ({ path: `line ${e.line}`, message: e.message })),
    })
  }
  const header = parsed.header.map((c) => c.trim().toLowerCase())
  if (header.length === 0 || header.every((h) => h === '')) {
    throw new AppError('invalid-roster', 'the CSV roster is empty', { errors: [{ path: 'line 1', message: 'needs a header row' }] })
  }
  const unknown = header.filter((h) => !(ROSTER_COLUMNS as readonly string[]).includes(h))
  if (unknown.length) {
    throw new AppError('invalid-roster', 'the CSV header has unknown columns', {
      errors: unknown.map((h) => ({ path: `line ${parsed.headerLine}`, message: `unknown column '${h}'; the columns are ${ROSTER_COLUMNS.join(', ')}` })),
    })
  }
  return parsed.rows
    .filter((r) => r.cells.some((c) => c.trim() !== ''))
    .map((r) => {
      const entry: Record<string, unknown> = {}
      header.forEach((h, i) => {
        const cell = (r.cells[i] ?? '').trim()
        if (cell === '') return
        entry[h] = h === 'peers' ? cell.split(/[;|]/).map((p) => p.trim()).filter(Boolean) : cell
      })
      return entry
    })
}

export interface RosterCheck {
  entries: RosterEntry[]
  warnings: FieldError[]
}

/** Checks entries against the roster schema and the cycle's package; throws 422 listing every problem. */
export function checkRoster(raw: unknown[], pkg: LoadedPackage): RosterCheck {
  if (!validateRoster(raw)) {
    throw new AppError('invalid-roster', 'the roster has invalid entries', { errors: translateAjvErrors(validateRoster.errors ?? []) })
  }
  const entries = raw as RosterEntry[]
  const errors: FieldError[] = []
  const warnings: FieldError[] = []
  const positions = new Set(pkg.framework.positions.map((p) => p.id))
  const seen = new Map<string, number>()
  entries.forEach((e, i) => {
    const at = `/${i}`
    const first = seen.get(e.nip)
    if (first !== undefined) errors.push({ path: `${at}/nip`, message: `NIP ${e.nip} is already on row ${first + 1}` })
    seen.set(e.nip, i)
    if (!positions.has(e.position)) {
      errors.push({ path: `${at}/position`, message: `unknown position '${e.position}'; the framework has ${[...positions].join(', ')}` })
    }
    for (const field of ['supervisor', 'superior'] as const) {
      if (e[field] === e.nip) errors.push({ path: `${at}/${field}`, message: `an employee cannot be their own ${field}` })
    }
    if (e.peers?.includes(e.nip)) errors.push({ path: `${at}/peers`, message: 'an employee cannot be their own peer' })
  })
  if (errors.length) throw new AppError('invalid-roster', `the roster has ${errors.length} problem(s)`, { errors })

  // Warn where the workflow will wait for raters the roster does not name.
  const { roles, states } = pkg.workflow
  const awaited = new Map<string, number>()
  for (const s of Object.values(states)) {
    if (s.type !== 'collect') continue
    for (const [role, q] of Object.entries(s.await)) {
      const min = typeof q === 'number' ? q : (q.min ?? 0)
      awaited.set(role, Math.max(awaited.get(role) ?? 0, min))
    }
  }
  entries.forEach((e, i) => {
    for (const [role, min] of awaited) {
      const rater = roles[role]?.rater
      const have = rater === 'peers' ? (e.peers?.length ?? 0) : rater === 'supervisor' ? (e.supervisor ? 1 : 0) : rater === 'superior' ? (e.superior ? 1 : 0) : min
      if (have < min) warnings.push({ path: `/${i}`, message: `${e.nip} has ${have} ${role} rater(s) but the workflow needs at least ${min}` })
    }
  })
  return { entries, warnings }
}

export async function importRoster(deps: Deps, cycle: Cycle, raw: unknown[]): Promise<RosterCheck & { cycle: Cycle }> {
  if (cycle.status !== 'draft') throw new AppError('conflict', `the roster of cycle '${cycle.id}' is fixed once it has started`)
  const pkg = await deps.packages.version(cycle.package.id, cycle.package.hash)
  const checked = checkRoster(raw, pkg)
  await deps.store.putRoster(cycle.id, checked.entries)
  const saved = await deps.store.saveCycle({ ...cycle, rosterSize: checked.entries.length }, cycle.rev)
  return { ...checked, cycle: saved }
}
