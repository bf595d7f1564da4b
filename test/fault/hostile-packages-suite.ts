/**
 * The package half of the hostile-input corpus (run in a worker by hostile-packages.test.ts): the
 * real packages of workflows/, damaged, through the loader (loadPackage), `kinerja validate` on a
 * folder, and POST /packages/validate. JSON files get edits anywhere (values replaced by odd JSON,
 * keys deleted or added, one value copied over another, which rewires states into loops and names
 * into wrong places) plus JSON-Schema traps in forms; JSONata gets truncations, junk, recursion,
 * deep nesting and catastrophic regular expressions. The loader must answer with a list of
 * well-formed problems (or a clean load) in bounded time, never throw; a package that still loads
 * is simulated over its sample data, where its formulas run.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import fc from 'fast-check'
import { validatePackages } from '../../src/entry/cli.ts'
import { readPackageDir } from '../../src/entry/package-files.ts'
import { isAppError } from '../../src/errors.ts'
import { loadPackage, type LoadResult } from '../../src/package/load-package.ts'
import { simulate } from '../../src/services/simulate.ts'
import { harness, PLAJU_DIR, SAMPLE, sampleSubmissions } from '../support/harness.ts'
import { applyJsonEdits, hostileJsonText, jsonEdit, type JsonEdit } from './hostile-arbitraries.ts'
import { checkProperty, ensure, type PropertyRun } from './hostile-check.ts'
import type { HostileSuite, SuiteInput } from './hostile-worker.ts'

export type PackagesInput = SuiteInput

export interface PackagesSummary {
  properties: Record<string, PropertyRun>
  /** Cases whose damaged package still loaded (and was simulated). */
  loaded: number
  refused: number
  viaCli: number
  viaHttp: number
}

const ROOT = new URL('../../workflows/', import.meta.url).pathname
const PACKAGES = ['plaju-kompetensi-360', 'skp-berakhlak-2022']

/** JSON Schema that compiles slowly, loops or never matches, for form files. */
const SCHEMA_TRAPS = [
  '{"type":"string","pattern":"^(a+)+$"}', '{"type":"string","pattern":"("}', '{"$ref":"#"}', '{"$ref":"#/properties/x"}', '{"$ref":"#/$defs/a","$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}}}',
  '{"$ref":"https://example.com/remote.json"}', '{"type":"number","multipleOf":1e-300}', '{"type":"integer","minimum":1e308,"maximum":-1e308}', '{"minLength":1e20}',
  '{"type":"array","minItems":1e9}', '{"format":"no-such-format"}', '{"$dynamicRef":"#x"}', '{"if":{"const":1},"then":{"$ref":"#"}}', '{"enum":[]}', '{"type":[]}',
  '{"x-subject":"yes"}', '{"x-competency":"no-such-competency"}', '{"properties":{"__proto__":{}}}', '{"required":["a","a"]}', '{"not":{}}', 'true', 'false',
]

/**
 * JSONata that recurses, nests deeply, backtracks, or is not JSONata. Formulas that merely run
 * long are kept small: the engine stops each evaluation after MAX_MILLIS, but that still costs
 * seconds per evaluation and a simulation makes dozens (see the issue note).
 */
const JSONATA_TRAPS = [
  '($f := function($x){ $f($x) }; $f(1))', '($f := function($x){ $g($x) }; $g := function($x){ $f($x) }; $f(1))', '(function($f){ $f($f) })(function($f){ $f($f) })',
  '($y := function($f){ $f($f) }; $y($y))', '$map([1..1000], function($v){ [1..1000] })', '($f := function($x){ $x > 0 ? $f($x - 1) : 0 }; $f(1000000))', '($g := function(){ $g() }; $g())',
  '('.repeat(5000), '['.repeat(5000), '{'.repeat(5000), `${'$a.'.repeat(3000)}b`, '$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /^(a+)+$/)',
  '$eval("1+1")', '$eval("$eval(\\"1\\")")', '"unterminated', '/* unterminated', '$string(1e308 * 10)', '$sum([1..10000000])', '[1..10000000]',
  '$reduce([1..1000], function($a,$b){ $append($a, $b) }, [])', '$now()', '$millis()', '$random()', '$$', '%', '@', '#', '~>', '$lookup($, "__proto__")',
  '{"__proto__": 1}', '$sift($, function($v, $k){ $k = "constructor" })', '', ' ', '\u0000', '\ud800', '1 +', '$.a.b.c[0][-1][99999999999]',
]

type JsonataEdit = { op: 'replace' | 'insert'; at: number; text: string } | { op: 'truncate'; at: number }

const jsonataEdit: fc.Arbitrary<JsonataEdit> = fc.oneof(
  fc.record({ op: fc.constantFrom('replace' as const, 'insert' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), text: fc.oneof(fc.constantFrom(...JSONATA_TRAPS), fc.string({ unit: 'binary', maxLength: 20 })) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
)

function applyJsonataEdit(text: string, e: JsonataEdit): string {
  const at = Math.floor(e.at * text.length)
  if (e.op === 'truncate') return text.slice(0, at)
  if (e.op === 'insert') return text.slice(0, at) + e.text + text.slice(at)
  return e.text
}

/**
 * Points one transition (any string naming a state: next, a choice's target, a timeout's, the
 * start) at another state or at its own: loops the linter or the engine must stop.
 */
function rewire(workflowText: string, from: number, to: number): string {
  const wf = JSON.parse(workflowText)
  const states = Object.keys(wf.states ?? {})
  if (states.length === 0) return workflowText
  const targets: [Record<string, unknown> | unknown[], string | number][] = []
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => (typeof x === 'string' && states.includes(x) ? targets.push([v, i]) : walk(x)))
    else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) typeof x === 'string' && states.includes(x) ? targets.push([v as Record<string, unknown>, k]) : walk(x)
    }
  }
  walk(wf)
  if (targets.length === 0) return workflowText
  const [holder, key] = targets[from % targets.length]!
  ;(holder as any)[key] = states[to % states.length]
  return JSON.stringify(wf, null, 2)
}

/** Where workflow.json holds JSONata inline: a choice's `when`, an assign, a cycle rule's check, a notification. */
function inlineExpressions(wf: any): [Record<string, unknown>, string][] {
  const out: [Record<string, unknown>, string][] = []
  for (const state of Object.values<any>(wf.states ?? {})) {
    for (const c of state.choices ?? []) if (typeof c?.when === 'string') out.push([c, 'when'])
    for (const [k, v] of Object.entries(state.assign ?? {})) if (typeof v === 'string') out.push([state.assign, k])
    for (const a of Object.values<any>(state.actions ?? {})) for (const [k, v] of Object.entries(a?.assign ?? {})) if (typeof v === 'string') out.push([a.assign, k])
    if (state.type === 'notify') for (const k of ['to', 'template']) if (typeof state[k] === 'string') out.push([state, k])
  }
  for (const rule of Object.values<any>(wf.cycleRules ?? {})) if (typeof rule?.check === 'string') out.push([rule, 'check'])
  return out
}

interface Damage {
  pkg: number
  file: number
  json: JsonEdit[]
  schema: { at: number; trap: string } | null
  jsonata: JsonataEdit[]
  /** Transitions rewired in workflow.json: [which, to which state]. */
  rewire: [number, number][]
  /** How the damaged package is checked besides loadPackage. */
  via: 'loader' | 'cli' | 'http'
}

const damage: fc.Arbitrary<Damage> = fc.record({
  pkg: fc.nat(),
  file: fc.nat(),
  json: fc.array(jsonEdit, { minLength: 0, maxLength: 4 }),
  schema: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, fc.record({ at: fc.nat(), trap: fc.constantFrom(...SCHEMA_TRAPS) })),
  jsonata: fc.array(jsonataEdit, { minLength: 1, maxLength: 2 }),
  rewire: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 3 }),
  via: fc.constantFrom('loader', 'loader', 'loader', 'cli', 'http'),
})

export const runPackageSuite: HostileSuite<PackagesInput, PackagesSummary> = async (input, note) => {
  const originals = await Promise.all(PACKAGES.map((p) => readPackageDir(join(ROOT, p))))
  const h = await harness()
  // One appraisal carried through by its answers and actions, deadlines left alone (they would move
  // every other appraisal on the roster too): a formula that never ends then fails it after the
  // engine's time guard (MAX_MILLIS) once, instead of once per employee.
  const submissions = await sampleSubmissions()
  const subject = submissions[0].subject as string
  const simulation = {
    roster: JSON.parse(readFileSync(`${SAMPLE}roster.json`, 'utf8')),
    submissions: submissions.filter((s) => s.subject === subject),
    actions: JSON.parse(readFileSync(`${SAMPLE}actions.json`, 'utf8')).filter((a: { nip: string }) => a.nip === subject),
  }
  const tmp = await mkdtemp(join(tmpdir(), 'kinerja-hostile-packages-'))
  const summary: PackagesSummary = { properties: {}, loaded: 0, refused: 0, viaCli: 0, viaHttp: 0 }

  /** Loads (and checks) one damaged package; `label` says what was done to it. */
  const check = async (files: Record<string, string>, pkgName: string, via: Damage['via'], label: string) => {
    note(`${pkgName}: ${label}`)
    const t = performance.now()
    let result: LoadResult
    try {
      result = await loadPackage(files)
    } catch (e) {
      throw new Error(`loadPackage threw (${label}): ${e instanceof Error ? e.stack : String(e)}`)
    }
    const ms = performance.now() - t
    ensure(ms < input.caseMs, () => `loading took ${Math.round(ms)} ms: ${label}`)
    for (const p of result.problems) {
      ensure(
        typeof p.file === 'string' && Number.isInteger(p.line) && p.line >= 1 && Number.isInteger(p.col) && p.col >= 1 && typeof p.pointer === 'string' && p.message !== '' && (p.severity === 'error' || p.severity === 'warning'),
        () => `a malformed problem ${JSON.stringify(p)}: ${label}`,
      )
    }
    const errors = result.problems.filter((p) => p.severity === 'error')
    ensure((result.package !== undefined) === (errors.length === 0), () => `package ${result.package ? 'returned with' : 'refused without'} errors ${JSON.stringify(errors.slice(0, 3))}: ${label}`)
    if (result.package) {
      summary.loaded++
      // Still loads: its formulas now run on sample data. Refusals are fine; a crash or hang is not.
      if (pkgName === PACKAGES[0]) {
        const s = performance.now()
        try {
          await simulate(result.package, { ...structuredClone(simulation), runDeadlines: false, start: '2026-01-05T08:00:00.000Z' })
        } catch (e) {
          if (!isAppError(e) || e.status >= 500) throw new Error(`simulating the damaged package failed (${label}): ${e instanceof Error ? e.stack : String(e)}`)
        }
        ensure(performance.now() - s < input.caseMs, () => `simulating took ${Math.round(performance.now() - s)} ms: ${label}`)
      }
    } else summary.refused++

    if (via === 'cli') {
      summary.viaCli++
      const dir = join(tmp, `case-${summary.viaCli}`)
      for (const [name, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, name)), { recursive: true })
        await writeFile(join(dir, name), text)
      }
      let out = ''
      const code = await validatePackages([dir], {}, { cwd: tmp, stdout: (s) => void (out += s), stderr: (s) => void (out += s) })
      ensure(code === (errors.length ? 1 : 0), () => `kinerja validate exited ${code} with ${errors.length} error(s): ${label}\n${out.slice(0, 1000)}`)
      await rm(dir, { recursive: true, force: true })
    } else if (via === 'http') {
      summary.viaHttp++
      const res = await h.request('POST', '/packages/validate', { json: { files } })
      ensure(res.status === 200 && res.data.valid === (errors.length === 0), () => `POST /packages/validate answered ${res.status} ${JSON.stringify(res.data).slice(0, 500)}: ${label}`)
    }
  }

  const seed = input.seed ?? Math.floor(Math.random() * 2 ** 31)
  const opts = () => ({ numRuns: input.runs, caseMs: input.caseMs + 2000, budgetMs: Math.round(input.budgetMs / 3), seed })
  try {
    // 1. JSON files: workflow, framework and forms with edits anywhere.
    summary.properties['JSON files edited'] = await checkProperty(
      'JSON files edited',
      fc.tuple(damage, fc.constantFrom(0, 2)),
      async ([d, indent]) => {
        const files = { ...originals[d.pkg % originals.length]! }
        const names = Object.keys(files).filter((f) => f.endsWith('.json'))
        const name = names[d.file % names.length]!
        let text = applyJsonEdits(files[name]!, d.json, indent)
        if (d.schema && name.startsWith('forms/')) {
          // A trap as one property's schema (or the whole form).
          const trapEdit: JsonEdit = { op: 'replace', at: d.schema.at, raw: d.schema.trap }
          try {
            text = applyJsonEdits(text, [trapEdit], indent)
          } catch {
            // The edits above made the file something JSON.parse refuses: it is damaged enough.
          }
        }
        files[name] = text
        if (d.rewire.length) {
          try {
            files['workflow.json'] = d.rewire.reduce((t, [from, to]) => rewire(t, from, to), files['workflow.json']!)
          } catch {
            // workflow.json is no longer JSON: the loader will say so.
          }
        }
        await check(files, PACKAGES[d.pkg % PACKAGES.length]!, d.via, `${name} edited by ${JSON.stringify(d.json).slice(0, 600)} ${d.schema ? `trap ${d.schema.trap}` : ''} rewired ${JSON.stringify(d.rewire)}`)
      },
      opts(),
    )

    // 2. JSONata, in its files and inline in workflow.json.
    summary.properties['JSONata edited'] = await checkProperty(
      'JSONata edited',
      fc.tuple(damage, fc.boolean()),
      async ([d, inline]) => {
        const files = { ...originals[d.pkg % originals.length]! }
        const wf = JSON.parse(files['workflow.json']!)
        const spots = inlineExpressions(wf)
        if (inline && spots.length) {
          const [holder, key] = spots[d.file % spots.length]!
          holder[key] = d.jsonata.reduce(applyJsonataEdit, String(holder[key]))
          files['workflow.json'] = JSON.stringify(wf, null, 2)
        } else {
          const names = Object.keys(files).filter((f) => f.endsWith('.jsonata'))
          const name = names[d.file % names.length]!
          files[name] = d.jsonata.reduce(applyJsonataEdit, files[name]!)
        }
        await check(files, PACKAGES[d.pkg % PACKAGES.length]!, d.via, `${inline ? 'an inline expression' : 'a .jsonata file'} (${d.file}) edited by ${JSON.stringify(d.jsonata).slice(0, 600)}`)
      },
      opts(),
    )

    // 3. Whole files replaced, removed or added: odd JSON, empty, binary, another file's content.
    summary.properties['files replaced, removed or added'] = await checkProperty(
      'files replaced, removed or added',
      fc.tuple(
        fc.nat(),
        fc.nat(),
        fc.oneof(hostileJsonText, fc.string({ unit: 'binary', maxLength: 200 }), fc.constant(null), fc.nat().map((n) => ({ copyOf: n }))),
        fc.oneof(fc.constant(null), fc.constantFrom('forms/extra.json', 'forms/.json', 'forms/__proto__.json', 'extra.jsonata', 'forms/a/b.json', 'framework.json', '../x.json')),
        fc.constantFrom<Damage['via']>('loader', 'loader', 'cli', 'http'),
      ),
      async ([p, f, content, added, via]) => {
          const files = { ...originals[p % originals.length]! }
          const names = Object.keys(files)
          const name = added ?? names[f % names.length]!
          if (content === null) delete files[name]
          else files[name] = typeof content === 'string' ? content : files[names[content.copyOf % names.length]!]!
          await check(files, PACKAGES[p % PACKAGES.length]!, via === 'cli' && name.includes('..') ? 'loader' : via, `${name} ${content === null ? 'removed' : `set to ${JSON.stringify(content).slice(0, 300)}`}`)
      },
      opts(),
    )
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
  ensure(readFileSync(join(PLAJU_DIR, 'workflow.json'), 'utf8') === originals[0]!['workflow.json'], () => 'the real package changed on disk')
  return summary
}
