/**
 * Which forms a role may answer: `forms` maps a role to one form id or to several (a full and a
 * short version of the same assessment, say).
 */
import type { Workflow } from '../generated/types.ts'

export function formsOfRole(workflow: Workflow, role: string): string[] {
  const f = workflow.forms[role]
  return f === undefined ? [] : Array.isArray(f) ? f : [f]
}

/** Every form id the workflow's roles use, once each. */
export function formsInUse(workflow: Workflow): string[] {
  return [...new Set(Object.keys(workflow.forms).flatMap((role) => formsOfRole(workflow, role)))]
}
