// Writes the one closing line CI reads ("N passed, N failed, N skipped") to the console and, when
// KINERJA_SUMMARY_FILE is set, to that file, so .ci/run can print it last.
import { writeFileSync } from 'node:fs'
import type { Reporter, TestModule } from 'vitest/node'

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0
    let failed = 0
    let skipped = 0
    for (const m of modules) {
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++
      for (const t of m.children.allTests()) {
        const state = t.result().state
        if (state === 'passed') passed++
        else if (state === 'failed') failed++
        else skipped++
      }
    }
    const line = `${passed} passed, ${failed} failed, ${skipped} skipped`
    console.log(`\nTests: ${line}`)
    if (process.env.KINERJA_SUMMARY_FILE) writeFileSync(process.env.KINERJA_SUMMARY_FILE, `${line}\n`)
  }
}
