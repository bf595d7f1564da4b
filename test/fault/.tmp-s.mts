import { readFileSync } from 'node:fs'
import { readPackageDir } from '../../src/entry/package-files.ts'
import { loadPackage } from '../../src/package/load-package.ts'
import { simulate } from '../../src/services/simulate.ts'
import { SAMPLE, sampleSubmissions } from '../support/harness.ts'
const files = await readPackageDir('workflows/plaju-kompetensi-360')
const subs = await sampleSubmissions()
const first = subs[0].subject
const mine = subs.filter((s) => s.subject === first)
console.log(mine.length, first)
const roster = JSON.parse(readFileSync(`${SAMPLE}roster.json`, 'utf8'))
for (const [name, text] of [['orig', null], ['y', '($y := function($f){ $f($f) }; $y($y))']] as const) {
  for (const file of ['discrepancies.jsonata', 'scoring.jsonata', 'nine-box.jsonata', 'training.jsonata']) {
    const f = text ? { ...files, [file]: text } : files
    const { package: pkg } = await loadPackage(f)
    if (!pkg) { console.log(name, file, 'refused'); continue }
    const t = performance.now()
    const actions = JSON.parse(readFileSync(`${SAMPLE}actions.json`, 'utf8')).filter((a: any) => a.nip === first)
    const r = await simulate(pkg, { roster, submissions: mine, actions, runDeadlines: process.env.RD === '1', start: '2026-01-05T08:00:00.000Z' })
    console.log(name, file, Math.round(performance.now() - t), r.results.find((x: any) => x.nip === first)?.state, r.steps.filter((s: any) => !s.ok).length, r.steps.length, JSON.stringify(r.steps.slice(-3)).slice(0, 300))
    if (!text) break
  }
}
