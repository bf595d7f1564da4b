import { describe, expect, it } from 'vitest'
import { formatProblem } from '../../src/package/format-problem.ts'
import { loadPackage, type LoadOptions } from '../../src/package/load-package.ts'
import { edit, form, miniPackage, where } from './mini-package.ts'

const problems = async (files: Record<string, string>, opts?: LoadOptions) => (await loadPackage(files, opts)).problems.map((p) => formatProblem(p))

/** The one problem of a package broken in one way, and that it did not load. */
async function only(files: Record<string, string>, opts?: LoadOptions): Promise<string> {
  const result = await loadPackage(files, opts)
  const lines = result.problems.map((p) => formatProblem(p))
  expect(lines).toHaveLength(1)
  if (result.problems[0]?.severity === 'error') expect(result.package).toBeUndefined()
  return lines[0]!
}

describe('loadPackage: a valid package', () => {
  it('loads with no problem, its expressions compiled and its checks built', async () => {
    const { package: pkg, problems } = await loadPackage(miniPackage())
    expect(problems).toEqual([])
    expect(pkg).toMatchObject({ id: 'mini', version: '1.0.0' })
    expect(pkg!.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(Object.keys(pkg!.forms).sort()).toEqual(['self', 'supervisor'])
    expect([...pkg!.expressions.keys()]).toEqual([
      '/states/score/assign/total',
      '/states/score/assign/gaps',
      '/states/check/choices/0/when',
      '/states/review/actions/approve/assign/note',
    ])
  })

  it('keeps a {file} expression with its .jsonata file and the workflow pointer that uses it', async () => {
    const gaps = (await loadPackage(miniPackage())).package!.expressions.get('/states/score/assign/gaps')!
    expect(gaps).toMatchObject({ file: 'gaps.jsonata', pointer: '/states/score/assign/gaps' })
    expect(await gaps.evaluate({ position: { required: { integritas: 4, kerjasama: 2 } } })).toEqual([
      { competency: 'integritas', gap: 1 },
      { competency: 'kerjasama', gap: -1 },
    ])
  })

  it("checks a submission's answers against its form, in words", async () => {
    const check = (await loadPackage(miniPackage())).package!.formChecks.self!
    expect(check({ nip: '199001012015031001', rater: '199001012015031001', q1: 4 })).toEqual([])
    expect(check({ nip: 199001012015031001, rater: '199001012015031001', q1: 7 })).toEqual([
      { path: '/nip', message: 'must be a string of 18 digits' },
      { path: '/q1', message: 'must be at most 5' },
    ])
  })

  it("checks a review action's input against the schema it declares", async () => {
    const check = (await loadPackage(miniPackage())).package!.actionChecks['review/approve']!
    expect(check({ note: 'ok' })).toEqual([])
    expect(check({ note: 'x'.repeat(201) })).toEqual([{ path: '/note', message: 'must be at most 200 characters long' }])
  })

  it('ignores files that are not part of the package, and does not hash them', async () => {
    const plain = (await loadPackage(miniPackage())).package!
    const extra = (await loadPackage({ ...miniPackage(), 'README.md': '# mini', 'sample/roster.json': '[', 'forms/old/x.json': '{' })).package!
    expect(extra.hash).toBe(plain.hash)
    expect(Object.keys(extra.files)).toEqual(Object.keys(plain.files))
  })

  it('hashes any change of a package file', async () => {
    const plain = (await loadPackage(miniPackage())).package!
    const changed = (await loadPackage({ ...miniPackage(), 'gaps.jsonata': miniPackage()['gaps.jsonata'] + ' ' })).package!
    expect(changed.hash).not.toBe(plain.hash)
  })
})

describe('loadPackage: files that are not valid JSON', () => {
  it('reports a syntax error at its line and column', async () => {
    const files = { ...miniPackage(), 'framework.json': '{\n  "id": "x",\n}\n' }
    expect(await only(files)).toBe("framework.json:2:12  /  trailing comma: remove the ',' before '}'")
  })

  it('reports a duplicate key', async () => {
    const text = miniPackage()['workflow.json']!.replace('"start": "collect",', '"start": "collect",\n  "start": "score",')
    expect(await only({ ...miniPackage(), 'workflow.json': text })).toBe(`workflow.json:${where(text, '"start"', 1)}  /start  duplicate key 'start'`)
  })

  it('reports a missing workflow.json', async () => {
    const { 'workflow.json': _, ...files } = miniPackage()
    expect(await only(files)).toBe('workflow.json:1:1  /  workflow.json is missing: every package folder needs one')
  })

  it('reports a missing framework file and suggests the one meant', async () => {
    const files = edit('workflow.json', (w) => (w.framework = 'framwork.json'))
    expect(await only(files)).toBe(
      `workflow.json:${where(files['workflow.json']!, '"framwork.json"')}  /framework  framework file 'framwork.json' not found: did you mean 'framework.json'?`,
    )
  })
})

describe('loadPackage: schema errors', () => {
  it('reports an unknown property at its key, with the property meant', async () => {
    const files = edit('workflow.json', (w) => (w.roles.self.treshold = 3))
    expect(await only(files)).toBe(
      `workflow.json:${where(files['workflow.json']!, '"treshold"')}  /roles/self/treshold  unknown property 'treshold': did you mean 'threshold'?`,
    )
  })

  it('reports a missing required field at its object', async () => {
    const files = edit('workflow.json', (w) => delete w.states.score.next)
    const [line, col] = where(files['workflow.json']!, '"score": {').split(':').map(Number)
    expect(await only(files)).toBe(`workflow.json:${line}:${col! + '"score": '.length}  /states/score/next  is required`)
  })

  it('reports a framework value out of range', async () => {
    const files = edit('framework.json', (f) => (f.positions[0].required.integritas = 6))
    expect(await only(files)).toBe(`framework.json:${where(files['framework.json']!, '6')}  /positions/0/required/integritas  must be at most 5`)
  })

  it('warns about a file without $schema, and still loads', async () => {
    const files = edit('forms/self.json', (f) => delete f.$schema)
    const { package: pkg, problems } = await loadPackage(files)
    expect(problems.map((p) => formatProblem(p))).toEqual([
      'forms/self.json:1:1  /  warning: no "$schema": add "$schema": "../../../schemas/form.schema.json" so editors can check and complete this file',
    ])
    expect(pkg).toBeDefined()
  })

  it('reports a form that is not valid JSON Schema', async () => {
    const files = edit('forms/self.json', (f) => (f.properties.q1.minimum = 'satu'))
    expect(await only(files)).toBe(`forms/self.json:${where(files['forms/self.json']!, '"satu"')}  /properties/q1/minimum  must be a number`)
  })

  it('reports a misspelt keyword that ajv would silently ignore', async () => {
    const files = edit('forms/self.json', (f) => (f.properties.q1 = { type: 'integer', minimum: 1, maximun: 5, 'x-competency': 'integritas' }))
    expect(await only(files)).toBe(
      `forms/self.json:${where(files['forms/self.json']!, '"maximun"')}  /properties/q1/maximun  unknown keyword 'maximun' would be ignored: did you mean 'maximum'?`,
    )
  })

  it('reports a review input that is not valid JSON Schema', async () => {
    const files = edit('workflow.json', (w) => (w.states.review.actions.approve.input.properties.note.type = 'text'))
    expect(await only(files)).toBe(
      `workflow.json:${where(files['workflow.json']!, '"text"')}  /states/review/actions/approve/input/properties/note/type  must be one of: array, boolean, integer, null, number, object, string`,
    )
  })
})

describe('loadPackage: states and transitions', () => {
  it('reports a transition to a state that does not exist, with the state meant', async () => {
    const files = edit('workflow.json', (w) => (w.states.check.default = 'fnal'))
    expect(await only(files)).toBe(`workflow.json:${where(files['workflow.json']!, '"fnal"')}  /states/check/default  no state is named 'fnal': did you mean 'final'?`)
  })

  it.each([
    ['start', (w: any) => (w.start = 'colect'), '/start'],
    ['onDeadline', (w: any) => (w.states.collect.onDeadline = 'colect'), '/states/collect/onDeadline'],
    ['a choice', (w: any) => (w.states.check.choices[0].next = 'colect'), '/states/check/choices/0/next'],
    ['an action', (w: any) => (w.states.review.actions.approve.next = 'colect'), '/states/review/actions/approve/next'],
  ])('checks the state named by %s', async (_, change, pointer) => {
    const files = edit('workflow.json', change)
    expect(await only(files)).toBe(`workflow.json:${where(files['workflow.json']!, '"colect"')}  ${pointer}  no state is named 'colect': did you mean 'collect'?`)
  })

  it('warns about a state that cannot be reached from start', async () => {
    const files = edit('workflow.json', (w) => (w.states.check.choices[0].next = 'final'))
    const { package: pkg, problems } = await loadPackage(files)
    expect(problems.map((p) => formatProblem(p))).toEqual([
      `workflow.json:${where(files['workflow.json']!, '"review": {')}  /states/review  warning: state 'review' cannot be reached from 'collect': no transition leads to it`,
    ])
    expect(pkg).toBeDefined()
  })

  it('refuses a workflow whose end cannot be reached', async () => {
    const files = edit('workflow.json', (w) => {
      w.states.check.default = 'review'
      w.states.review.actions.approve.next = 'collect'
    })
    const text = files['workflow.json']!
    expect(await problems(files)).toEqual([
      `workflow.json:${where(text, '"collect"')}  /start  no end state can be reached from 'collect': an appraisal would never finish`,
      `workflow.json:${where(text, '"final": {')}  /states/final  warning: state 'final' cannot be reached from 'collect': no transition leads to it`,
    ])
  })

  it('refuses a workflow without any end state', async () => {
    const files = edit('workflow.json', (w) => (w.states.final = { type: 'compute', assign: {}, next: 'collect' }))
    expect(await only(files)).toBe(
      `workflow.json:${where(files['workflow.json']!, '"states"')}  /states  the workflow has no end state: add one, e.g. "done": { "type": "end" }`,
    )
  })
})

describe('loadPackage: roles and forms', () => {
  it('reports a form file that does not exist, with the form meant', async () => {
    const files = edit('workflow.json', (w) => (w.forms.self = 'slef'))
    expect(await problems(files)).toEqual([
      `workflow.json:${where(files['workflow.json']!, '"slef"')}  /forms/self  no form file forms/slef.json: did you mean 'self'?`,
      `forms/self.json:1:1  /  warning: form 'self' is not used: no role in workflow.json "forms" names it`,
    ])
  })

  it('checks every form of a role that may answer several', async () => {
    const files = edit('workflow.json', (w) => (w.forms.self = ['self', 'slef']))
    expect(await problems(files)).toEqual([
      `workflow.json:${where(files['workflow.json']!, '"slef"')}  /forms/self/1  no form file forms/slef.json: did you mean 'self'?`,
    ])
    expect(await problems(edit('workflow.json', (w) => (w.forms.self = ['self'])))).toEqual([])
  })

  it('checks binding templates against the form they feed', async () => {
    const files = edit('workflow.json', (w) => (w.bindings = { 'kobo-self': { plugin: 'kobo', form: 'self', mapping: { 'penilaian/integritas': 'integritsa' }, transform: '{ "a": (1 }' } }))
    const found = await problems(files)
    expect(found).toHaveLength(2)
    expect(found[0]).toMatch(/ {2}\/bindings\/kobo-self\/mapping\/penilaian~1integritas {2}form 'self' has no property 'integritsa'/)
    expect(found[1]).toMatch(/ {2}\/bindings\/kobo-self\/transform {2}/)
    const selfApplied = await problems(edit('workflow.json', (w) => (w.bindings = { 'kobo-self': { plugin: 'kobo', form: 'self', transform: '( $y := function($f) { $f($f) }; { "a": $y($y) } )' } })))
    expect(selfApplied).toHaveLength(1)
    expect(selfApplied[0]).toMatch(/ {2}\/bindings\/kobo-self\/transform {2}function applies its argument \$f to itself/)
    const unknownForm = await problems(edit('workflow.json', (w) => (w.bindings = { x: { plugin: 'kobo', form: 'slef' } })))
    expect(unknownForm[0]).toContain("no form 'slef': did you mean 'self'?")
  })

  it('reports an awaited role that is not declared', async () => {
    const files = edit('workflow.json', (w) => (w.states.collect.await = { self: 1, suprvisor: 1 }))
    expect(await only(files)).toBe(
      `workflow.json:${where(files['workflow.json']!, '"suprvisor"')}  /states/collect/await/suprvisor  role 'suprvisor' is not declared in "roles": did you mean 'supervisor'?`,
    )
  })

  it('reports an awaited role that has no form', async () => {
    const files = edit('workflow.json', (w) => (w.roles.peer = { rater: 'peers' }) && (w.states.collect.await.peer = { min: 3 }))
    expect(await only(files)).toBe(
      `workflow.json:${where(files['workflow.json']!, '"peer": {', 1)}  /states/collect/await/peer  role 'peer' has no form: add "peer": "<form id>" to "forms"`,
    )
  })

  it('reports a review actor that is not a role', async () => {
    const files = edit('workflow.json', (w) => (w.states.review.actor = 'atasan'))
    expect(await only(files)).toBe(`workflow.json:${where(files['workflow.json']!, '"atasan"')}  /states/review/actor  role 'atasan' is not declared in "roles"`)
  })

  it('reports a question scoring a competency the framework lacks', async () => {
    const files = edit('forms/supervisor.json', (f) => (f.properties.q2['x-competency'] = 'kerja-sama'))
    expect(await only(files)).toBe(
      `forms/supervisor.json:${where(files['forms/supervisor.json']!, '"kerja-sama"')}  /properties/q2/x-competency  'kerja-sama' is not a competency of the framework: did you mean 'kerjasama'?`,
    )
  })

  it('reports a second x-subject in one form', async () => {
    const files = edit('forms/self.json', (f) => (f.properties.rater = { type: 'string', 'x-subject': true }))
    expect(await only(files)).toBe(
      `forms/self.json:${where(files['forms/self.json']!, '"x-subject"', 1)}  /properties/rater/x-subject  only one question may carry x-subject: 'nip' already does`,
    )
  })

  it('warns about a form no role uses', async () => {
    const files = { ...miniPackage(), 'forms/peer.json': JSON.stringify(form('Penilaian rekan'), null, 2) }
    expect(await only(files)).toBe("forms/peer.json:1:1  /  warning: form 'peer' is not used: no role in workflow.json \"forms\" names it")
  })
})

describe('loadPackage: the framework', () => {
  it('reports a position requiring an unknown competency', async () => {
    const files = edit('framework.json', (f) => (f.positions[0].required = { integritas: 3, integritass: 2 }))
    expect(await only(files)).toBe(
      `framework.json:${where(files['framework.json']!, '"integritass"')}  /positions/0/required/integritass  position 'staf' requires 'integritass', which is not a competency of this framework: did you mean 'integritas'?`,
    )
  })

  it('reports a duplicate competency id', async () => {
    const files = edit('framework.json', (f) => f.competencies.push({ ...f.competencies[0], code: 'M.01' }))
    expect(await only(files)).toBe(
      `framework.json:${where(files['framework.json']!, '"integritas"', 1)}  /competencies/2/id  duplicate competency id 'integritas' (also at /competencies/0)`,
    )
  })
})

describe('loadPackage: JSONata expressions', () => {
  it('reports a syntax error at the exact character inside workflow.json', async () => {
    const files = edit('workflow.json', (w) => (w.states.check.choices[0].when = 'vars.total < 3 and ]'))
    const text = files['workflow.json']!
    expect(await only(files)).toBe(
      `workflow.json:${where(text, ']"')}  /states/check/choices/0/when  JSONata syntax error S0211: The symbol "]" cannot be used as a unary operator`,
    )
  })

  it('counts escaped characters of the JSON string as one character', async () => {
    const files = edit('workflow.json', (w) => (w.states.check.choices[0].when = 'vars.name = "Siti" and\n ]'))
    const text = files['workflow.json']!
    expect(text).toContain('\\"Siti\\" and\\n ]')
    expect(await only(files)).toBe(
      `workflow.json:${where(text, ']"')}  /states/check/choices/0/when  JSONata syntax error S0211: The symbol "]" cannot be used as a unary operator`,
    )
  })

  it('reports a syntax error in a .jsonata file at its line and column', async () => {
    const files = { ...miniPackage(), 'gaps.jsonata': '(\n  $x := 1;\n  $x +\n)\n' }
    expect(await only(files)).toBe(
      'gaps.jsonata:4:1  /states/score/assign/gaps  JSONata syntax error S0211: The symbol ")" cannot be used as a unary operator (used by workflow.json /states/score/assign/gaps)',
    )
  })

  it('reports a {file} that is not in the package, with the file meant', async () => {
    const files = edit('workflow.json', (w) => (w.states.score.assign.gaps.file = 'gap.jsonata'))
    expect(await problems(files)).toEqual([
      `workflow.json:${where(files['workflow.json']!, '"gap.jsonata"')}  /states/score/assign/gaps/file  no file 'gap.jsonata' in the package: did you mean 'gaps.jsonata'?`,
      "gaps.jsonata:1:1  /  warning: not used: no assign in workflow.json has {\"file\": \"gaps.jsonata\"}",
    ])
  })

  it('refuses a recursive function, pointing at its definition', async () => {
    const files = edit('workflow.json', (w) => (w.states.score.assign.total = '($f := function($n) { $n <= 0 ? 0 : $f($n - 1) }; $f(3))'))
    expect(await only(files)).toBe(
      `workflow.json:${where(files['workflow.json']!, '$f :=')}  /states/score/assign/total  recursive function $f: recursion cannot be bounded on Workers; rewrite it with $map/$reduce`,
    )
  })

  it('refuses a function that applies its argument to itself, pointing at the call', async () => {
    const files = edit('workflow.json', (w) => (w.states.score.assign.total = '($y := function($f) { $f($f) }; $y($y))'))
    expect(await only(files)).toBe(
      `workflow.json:${where(files['workflow.json']!, '$f($f)')}  /states/score/assign/total  function applies its argument $f to itself ($f($f)): that recursion cannot be bounded on Workers; rewrite it with $map/$reduce`,
    )
  })

  it('refuses a self-application in a .jsonata file at its line, as the fixed-point combinator writes it', async () => {
    const source = '(\n  $fix := function($g) {\n    function($x) { $g($g)($x) }\n  };\n  $fix($fix)(1)\n)\n'
    const files = { ...miniPackage(), 'gaps.jsonata': source }
    expect(await only(files)).toBe(
      `gaps.jsonata:${where(source, '$g($g)')}  /states/score/assign/gaps  function applies its argument $g to itself ($g($g)): that recursion cannot be bounded on Workers; rewrite it with $map/$reduce (used by workflow.json /states/score/assign/gaps)`,
    )
    expect(where(source, '$g($g)')).toBe('3:20')
  })

  it('reports an expression too deep for jsonata\'s parser as nested too deeply, not as a syntax error', async () => {
    const files = { ...miniPackage(), 'gaps.jsonata': `${'('.repeat(5000)}1${')'.repeat(5000)}` }
    expect(await only(files)).toMatch(/^gaps\.jsonata:1:1 {2}\/states\/score\/assign\/gaps {2}the expression is nested too deeply to compile \(.*\): split it into smaller parts/)
  })

  it('accepts a function that calls its argument on other values', async () => {
    const files = edit('workflow.json', (w) => (w.states.score.assign.total = '($twice := function($f, $x) { $f($f($x)) }; $twice(function($n) { $n + 1 }, 1))'))
    expect(await problems(files)).toEqual([])
  })
})

describe('loadPackage: versions', () => {
  it('refuses changed content under a version already run, suggesting the next one', async () => {
    const files = edit('workflow.json', (w) => (w.title.en = 'Mini appraisal'))
    expect(await only(files, { known: [{ version: '1.0.0', hash: 'a'.repeat(64) }] })).toBe(
      `workflow.json:${where(files['workflow.json']!, '"1.0.0"')}  /version  content changed but version 1.0.0 was not bumped: set "version" to 1.0.1`,
    )
  })

  it('suggests a version above every one already run', async () => {
    const known = [
      { version: '1.0.0', hash: 'a'.repeat(64) },
      { version: '1.0.3', hash: 'b'.repeat(64) },
    ]
    expect(await only(miniPackage(), { known })).toMatch(/set "version" to 1\.0\.4$/)
  })

  it('accepts the same content under the same version, and a bumped version', async () => {
    const { hash } = (await loadPackage(miniPackage())).package!
    expect(await problems(miniPackage(), { known: [{ version: '1.0.0', hash }] })).toEqual([])
    const bumped = edit('workflow.json', (w) => (w.version = '1.1.0'))
    expect(await problems(bumped, { known: [{ version: '1.0.0', hash }] })).toEqual([])
  })

  it('ignores known versions of other packages', async () => {
    expect(await problems(miniPackage(), { known: [{ id: 'other', version: '1.0.0', hash: 'a'.repeat(64) }] })).toEqual([])
  })
})
