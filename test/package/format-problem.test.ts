import { describe, expect, it } from 'vitest'
import { formatProblem } from '../../src/package/format-problem.ts'
import type { Problem } from '../../src/package/load-package.ts'

const problem: Problem = { file: 'workflow.json', line: 12, col: 7, pointer: '/states/a/next', message: "no state is named 'b'", severity: 'error' }

describe('formatProblem', () => {
  it('prints file:line:col, the pointer and the message', () => {
    expect(formatProblem(problem)).toBe("workflow.json:12:7  /states/a/next  no state is named 'b'")
  })

  it("prints the whole document's pointer as '/' and marks warnings", () => {
    expect(formatProblem({ ...problem, pointer: '', severity: 'warning', message: 'no "$schema"' })).toBe('workflow.json:12:7  /  warning: no "$schema"')
  })

  it('prints the path the user would open when given one', () => {
    expect(formatProblem(problem, 'workflows/mini/workflow.json')).toMatch(/^workflows\/mini\/workflow\.json:12:7 /)
  })
})
