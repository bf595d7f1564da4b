import { describe, expect, it } from 'vitest'
import { evaluateCycleRules } from '../../src/engine/cycle-rules.ts'
import { formatProblem } from '../../src/package/format-problem.ts'
import { loadPackage } from '../../src/package/load-package.ts'
import type { Cycle } from '../../src/store/records.ts'
import { edit, where } from './mini-package.ts'

const withRules = (rules: Record<string, unknown>, extra: Record<string, string> = {}) => ({
  ...edit('workflow.json', (w) => (w.cycleRules = rules)),
  ...extra,
})

const problems = async (files: Record<string, string>) => (await loadPackage(files)).problems.map((p) => formatProblem(p))

const rule = (check: unknown, level = 'warn') => ({ level, title: { id: 'Aturan uji' }, check })

describe('loadPackage: cycle rules', () => {
  it('compiles each check once, inline or from a .jsonata file, under /cycleRules/<id>/check', async () => {
    const { package: pkg, problems } = await loadPackage(withRules({ 'ada-pegawai': rule("$count(instances) = 0 ? 'Belum ada pegawai.'"), kurva: rule({ file: 'kurva.jsonata' }, 'block') }, { 'kurva.jsonata': 'null\n' }))
    expect(problems).toEqual([])
    expect(pkg!.expressions.get('/cycleRules/ada-pegawai/check')).toMatchObject({ file: 'workflow.json' })
    expect(pkg!.expressions.get('/cycleRules/kurva/check')).toMatchObject({ file: 'kurva.jsonata' })
  })

  it('reports a syntax error in a check at its line and column in workflow.json', async () => {
    const files = withRules({ kurva: rule("$count(instances[status = 'done') > 3") })
    const text = files['workflow.json']!
    expect(await problems(files)).toEqual([
      `workflow.json:${where(text, ') > 3"')}  /cycleRules/kurva/check  JSONata syntax error S0202: Expected "]", got ")"`,
    ])
    expect((await loadPackage(files)).package).toBeUndefined()
  })

  it('refuses a recursive function in a check, as everywhere else', async () => {
    const files = withRules({ kurva: rule('($f := function($n) { $n > 0 ? $f($n - 1) : 0 }; $f(3))') })
    expect(await problems(files)).toEqual([
      `workflow.json:${where(files['workflow.json']!, '$f :=')}  /cycleRules/kurva/check  recursive function $f: recursion cannot be bounded on Workers; rewrite it with $map/$reduce`,
    ])
  })

  it('names a .jsonata file that does not exist', async () => {
    const files = withRules({ kurva: rule({ file: 'kurv.jsonata' }) }, { 'kurva.jsonata': 'null\n' })
    const lines = await problems(files)
    expect(lines).toContainEqual(expect.stringContaining("/cycleRules/kurva/check/file  no file 'kurv.jsonata' in the package: did you mean 'kurva.jsonata'?"))
  })

  it('refuses a level other than warn or block, and a rule without a check', async () => {
    expect(await problems(withRules({ lain: rule('null', 'error') }))).toEqual([expect.stringMatching(/\/cycleRules\/lain\/level  must be one of: warn, block$/)])
    const noCheck = await problems(withRules({ lain: { level: 'warn', title: { id: 'Tanpa cek' } } }))
    expect(noCheck).toEqual([expect.stringContaining('/cycleRules/lain')])
    expect(noCheck[0]).toContain('check')
  })
})

describe('evaluateCycleRules', () => {
  const cycle = (pkgId: string): Cycle => ({
    id: 'cyc_uji', office: 'uji', name: 'Uji', package: { id: pkgId, version: '1.0.0', hash: 'h' }, status: 'running', rev: 1, rosterSize: 0, createdAt: '2026-01-05T00:00:00.000Z', params: { tahun: 'dua ribu' },
  })
  const evaluate = async (rules: Record<string, unknown>) => {
    const { package: pkg, problems } = await loadPackage(withRules(rules))
    if (!pkg) throw new Error(JSON.stringify(problems))
    return evaluateCycleRules(pkg, cycle(pkg.id), [], [], new Date('2026-12-31T00:00:00.000Z'))
  }

  it('records a check that fails as a broken rule whose finding names the error, instead of throwing', async () => {
    const [result] = await evaluate({ tahun: rule("cycle.params.tahun + 1 > 2025 ? null : 'Tahun salah.'", 'block') })
    expect(result).toMatchObject({ rule: 'tahun', level: 'block', ok: false, error: expect.stringContaining('/cycleRules/tahun/check') })
    expect(result!.findings).toEqual([expect.stringMatching(/^Aturan ini tidak dapat diperiksa: workflow.json \/cycleRules\/tahun\/check: .*T2001/)])
  })

  it('refuses a check that yields something other than findings (a number, true, an object)', async () => {
    const results = await evaluate({ angka: rule('42'), benar: rule('true'), objek: rule("{'a': 1}") })
    expect(results.map((r) => [r.rule, r.ok, r.error?.replace(/^.*: the check yields /, '')])).toEqual([
      ['angka', false, 'number 42; it must yield nothing when the rule holds, or text (a finding, or a list of them) when it is broken'],
      ['benar', false, 'boolean true; it must yield nothing when the rule holds, or text (a finding, or a list of them) when it is broken'],
      ['objek', false, 'an object; it must yield nothing when the rule holds, or text (a finding, or a list of them) when it is broken'],
    ])
  })

  it('reads nothing, false, an empty text or an empty list as holding, and a list of texts as its findings', async () => {
    const results = await evaluate({ a: rule('null'), b: rule('false'), c: rule("''"), d: rule('[]'), e: rule("['Satu.', null, 'Dua.']"), f: rule("'Tiga.'") })
    expect(results.map((r) => [r.rule, r.ok, r.findings])).toEqual([
      ['a', true, []],
      ['b', true, []],
      ['c', true, []],
      ['d', true, []],
      ['e', false, ['Satu.', 'Dua.']],
      ['f', false, ['Tiga.']],
    ])
  })

  it('stops a runaway check with the expression guardrails and keeps at most 50 findings', async () => {
    const [loop, many] = await evaluate({ loop: rule('$sum([1..1000000000])'), banyak: rule("[1..80].('Temuan ' & $)") })
    expect(loop).toMatchObject({ ok: false, error: expect.stringContaining('range') })
    expect(many!.findings).toHaveLength(50)
    expect(many!.findings.at(-1)).toBe('… dan 31 temuan lain')
  })

  it('gives the check the clock of the service, not of the machine', async () => {
    const [result] = await evaluate({ jam: rule("$now() = '2026-12-31T00:00:00.000Z' ? null : 'Jam lain: ' & $now()") })
    expect(result).toMatchObject({ ok: true })
  })
})
