/**
 * Who may answer a role, or act in a review, for one appraisee: derived from the workflow's role
 * (`rater`: self, supervisor, superior, peers, hr) and the appraisee's roster entry.
 */
import type { Role, RosterEntry, Workflow } from '../generated/types.ts'

/** The NIPs assigned to the role for this employee, or 'anyone' (HR officers are not listed). */
export function ratersOf(role: Role, employee: RosterEntry): string[] | 'anyone' {
  switch (role.rater) {
    case 'self':
      return [employee.nip]
    case 'supervisor':
      return employee.supervisor ? [employee.supervisor] : []
    case 'superior':
      return employee.superior ? [employee.superior] : []
    case 'peers':
      return [...new Set(employee.peers ?? [])].filter((p) => p !== employee.nip)
    case 'hr':
      return 'anyone'
  }
}

const RELATION: Record<Role['rater'], string> = {
  self: 'the employee',
  supervisor: 'the supervisor',
  superior: "the supervisor's superior",
  peers: 'a peer',
  hr: 'an HR officer',
}

/**
 * Why `nip` may not fill `roleName` for `employee`, or null when they may. The reason is meant for
 * the person who sent the answer, so it names both NIPs and the relation the roster lacks.
 */
export function raterRefusal(workflow: Workflow, roleName: string, nip: string, employee: RosterEntry): string | null {
  const role = workflow.roles[roleName]
  if (!role) return `the workflow has no role '${roleName}'`
  const allowed = ratersOf(role, employee)
  if (allowed === 'anyone' || allowed.includes(nip)) return null
  if (allowed.length === 0) return `${employee.nip} has no ${role.rater === 'peers' ? 'peers' : role.rater} on the roster, so nobody can answer as '${roleName}'`
  if (role.rater === 'self') return `rater ${nip} is not the employee ${employee.nip}; role '${roleName}' is a self-assessment`
  if (role.rater === 'peers') return `rater ${nip} is not a peer of ${employee.nip} on the roster`
  return `rater ${nip} is not ${RELATION[role.rater]} of ${employee.nip} (the roster names ${allowed.join(', ')})`
}
