/**
 * Problems found in a package, each at the line and column where HR has to look. The collector
 * knows every parsed file, so checks name a file and a pointer and it finds the spot.
 */
import type { JsonLocation, ParsedJson } from '../json/parse-json.ts'

export interface Problem {
  /** Path of the file inside the package folder, e.g. 'workflow.json', 'forms/self.json'. */
  file: string
  /** 1-based. */
  line: number
  col: number
  /** JSON pointer of the value in `file` ('' for the whole file; for a .jsonata file, where workflow.json uses it). */
  pointer: string
  message: string
  severity: 'error' | 'warning'
}

/** Which spot of a member to point at: its value, or its key (for names that are wrong). */
export type Spot = 'value' | 'key' | JsonLocation

export class ProblemList {
  readonly items: Problem[] = []
  readonly parsed = new Map<string, ParsedJson>()

  add(severity: Problem['severity'], file: string, pointer: string, message: string, spot: Spot = 'value'): void {
    const doc = this.parsed.get(file)
    const at: JsonLocation =
      typeof spot === 'object' ? spot : !doc ? { line: 1, col: 1 } : spot === 'key' ? doc.locateKey(pointer) : doc.locate(pointer)
    this.items.push({ file, line: at.line, col: at.col, pointer, message, severity })
  }

  error(file: string, pointer: string, message: string, spot?: Spot): void {
    this.add('error', file, pointer, message, spot)
  }

  warning(file: string, pointer: string, message: string, spot?: Spot): void {
    this.add('warning', file, pointer, message, spot)
  }

  get hasErrors(): boolean {
    return this.items.some((p) => p.severity === 'error')
  }

  /** Problems ordered by file (in `fileOrder`), then line and column, without repeats. */
  sorted(fileOrder: readonly string[]): Problem[] {
    const rank = (f: string) => {
      const i = fileOrder.indexOf(f)
      return i === -1 ? fileOrder.length : i
    }
    const seen = new Set<string>()
    return [...this.items]
      .sort((a, b) => rank(a.file) - rank(b.file) || a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col)
      .filter((p) => {
        const key = `${p.file}:${p.line}:${p.col}:${p.pointer}:${p.message}`
        if (seen.has(key)) return false
        seen.add(key)
        return true
      })
  }
}
