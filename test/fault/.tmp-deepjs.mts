import { readPackageDir } from '../../src/entry/package-files.ts'
import { loadPackage } from '../../src/package/load-package.ts'
const files = await readPackageDir('workflows/plaju-kompetensi-360')
for (const [name, make] of [['[', (n: number) => '['.repeat(n) + '1' + ']'.repeat(n)], ['(', (n: number) => '('.repeat(n) + '1' + ')'.repeat(n)], ['1+', (n: number) => '1+'.repeat(n) + '1'], ['-', (n: number) => '-'.repeat(n) + '1'], ['?:', (n: number) => '$a ? 1 : '.repeat(n) + '1'], ['{', (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)], ['fn', (n: number) => '$string('.repeat(n) + '1' + ')'.repeat(n)]] as const) {
  for (const n of [1200, 1500, 1800, 2100, 2400, 2700]) {
    const f = { ...files, 'discrepancies.jsonata': make(n) }
    try { const r = await loadPackage(f); console.log(name, n, 'ok', r.problems.filter(p => p.severity === 'error').map(p => p.message.slice(0, 90))) } catch (e) { console.log(name, n, 'THREW', String(e).slice(0, 80), (e as Error).stack?.split('\n')[1]) }
  }
}
