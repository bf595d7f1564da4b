/**
 * One problem as one line, the way compilers print them so editors and terminals can jump to it:
 * `file:line:col  pointer  message` (pointer '' printed as '/'; warnings say so).
 */
import type { Problem } from './problems.ts'

/** Formats `p`; `file` replaces the package-relative path (e.g. 'workflows/plaju/workflow.json'). */
export function formatProblem(p: Problem, file: string = p.file): string {
  const message = p.severity === 'warning' ? `warning: ${p.message}` : p.message
  return `${file}:${p.line}:${p.col}  ${p.pointer === '' ? '/' : p.pointer}  ${message}`
}
