/**
 * Formats a simulation result for a terminal: what happened, step by step, and each employee's
 * result with its explanation (per-competency means by role, weights, required level, gap).
 */
import type { simulate } from './simulate.ts'

type Result = Awaited<ReturnType<typeof simulate>>

const fmt = (v: unknown) => (typeof v === 'number' ? (Math.round(v * 100) / 100).toString() : v === undefined || v === null ? '-' : String(v))

export function simulationReport(result: Result, names: Map<string, string>): string {
  const out: string[] = []
  out.push(`Simulation of ${result.package.id}@${result.package.version} (${result.package.hash.slice(0, 12)})`, '')
  out.push('Steps:')
  for (const s of result.steps) {
    out.push(`  ${s.ok ? 'ok  ' : 'FAIL'} ${s.step}${s.nip ? ` for ${names.get(s.nip) ?? s.nip}` : ''}${s.detail ? `: ${s.detail}` : ''}`)
    for (const e of s.errors ?? []) out.push(`         ${e.path}: ${e.message}`)
  }
  for (const r of result.results) {
    out.push('', `${names.get(r.nip) ?? r.nip} (${r.nip}): ${r.status}, state ${r.state}${r.outcome ? `, outcome ${r.outcome}` : ''}`)
    if (r.error) out.push(`  error in ${r.error.state}: ${r.error.message}`)
    const scores = r.explanation.scores
    if (Array.isArray(scores)) {
      const rows = (scores as Record<string, any>[]).map((row) => [
        String(row.competency ?? ''),
        fmt(row.score),
        fmt(row.required),
        fmt(row.gap),
        Object.entries((row.roles ?? {}) as Record<string, { mean?: number; weight?: number }>)
          .map(([role, v]) => `${role} ${fmt(v.mean)}x${fmt(v.weight)}`)
          .join(', '),
      ])
      const table = [['competency', 'score', 'required', 'gap', 'by role (mean x weight)'], ...rows]
      const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)))
      for (const r of table) out.push('  ' + r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
    }
    for (const [name, value] of Object.entries(r.vars)) {
      if (name === 'scores') continue
      out.push(`  ${name}: ${JSON.stringify(value)}`)
    }
    out.push(`  trace: ${r.trace.map((e) => (e.type === 'entered' ? `-> ${String(e.data.state)}` : e.type)).join(' ')}`)
  }
  return out.join('\n') + '\n'
}
