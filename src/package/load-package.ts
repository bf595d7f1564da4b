/**
 * Loads a package from its files (no file system here: the caller reads them) and lints it.
 * Every problem names file, line, column and JSON pointer, with a suggested fix where one is
 * obvious; the package is returned only when there is no error, with its expressions compiled
 * and its forms' validators built, ready for the engine.
 */
import frameworkSchema from '../../schemas/framework.schema.json' with { type: 'json' }
import formSchema from '../../schemas/form.schema.json' with { type: 'json' }
import workflowSchema from '../../schemas/workflow.schema.json' with { type: 'json' }
import type { Form, Framework, Workflow } from '../generated/types.ts'
import { validateForm, validateFramework, validateWorkflow, type Validator } from '../generated/validators.js'
import { translateAjvErrors } from '../json/ajv-errors.ts'
import { joinPointer } from '../json/json-pointer.ts'
import { parseJson } from '../json/parse-json.ts'
import type { Schema } from '../json/schema-at.ts'
import { didYouMean } from '../json/suggest.ts'
import { compileExpressions } from './compile-expressions.ts'
import { checkJsonSchema, compileSchemaCheck } from '#form-check'
import { packageHash } from './hash.ts'
import { lintFramework } from './lint-framework.ts'
import { lintForm, lintKeywords } from './lint-form.ts'
import { lintWorkflow } from './lint-workflow.ts'
import { lintBindings } from './lint-bindings.ts'
import type { LoadedPackage, SchemaCheck } from './loaded-package.ts'
import { ProblemList, type Problem } from './problems.ts'
import { formIdOf, selectPackageFiles, WORKFLOW_FILE } from './select-files.ts'
import { versionNotBumped, type KnownVersion } from './version-check.ts'
import { formsInUse } from '../engine/role-forms.ts'

export type { Problem } from './problems.ts'
export type { KnownVersion } from './version-check.ts'

export interface LoadOptions {
  /** Versions already run (for this package id): the same version with other content is an error. */
  known?: readonly KnownVersion[]
}

export interface LoadResult {
  package?: LoadedPackage
  problems: Problem[]
}

/** What `$schema` should say in each kind of file, relative to a package folder under workflows/. */
const SCHEMA_HINT = {
  workflow: '../../schemas/workflow.schema.json',
  framework: '../../schemas/framework.schema.json',
  form: '../../../schemas/form.schema.json',
} as const

/** Parses the JSON files, reporting syntax errors; returns the values of those that parsed. */
function parseAll(files: Record<string, string>, problems: ProblemList): Map<string, unknown> {
  const values = new Map<string, unknown>()
  for (const [file, text] of Object.entries(files)) {
    if (!file.endsWith('.json')) continue
    const parsed = parseJson(text)
    if (!parsed.ok) {
      for (const e of parsed.errors) problems.error(file, e.pointer, e.message, e)
      continue
    }
    problems.parsed.set(file, parsed)
    values.set(file, parsed.value)
  }
  return values
}

/** Validates one parsed file against its kinerja schema; true when valid. */
function validate(file: string, value: unknown, validator: Validator, schema: unknown, kind: keyof typeof SCHEMA_HINT, problems: ProblemList): boolean {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !('$schema' in value)) {
    problems.warning(file, '', `no "$schema": add "$schema": "${SCHEMA_HINT[kind]}" so editors can check and complete this file`)
  }
  if (validator(value)) return true
  for (const e of translateAjvErrors(validator.errors, { data: value, schema: schema as Schema })) {
    problems.error(file, e.path, e.message, e.message.startsWith('unknown property') || e.message.includes('is not a valid name') ? 'key' : 'value')
  }
  return false
}

/** Review actions' input schemas become checks keyed '<state>/<action>'. */
function actionChecks(wf: Workflow, problems: ProblemList): Record<string, SchemaCheck> {
  const checks: Record<string, SchemaCheck> = {}
  for (const [name, state] of Object.entries(wf.states)) {
    if (state.type !== 'review') continue
    for (const [action, a] of Object.entries(state.actions)) {
      if (a.input === undefined) continue
      const at = joinPointer('/states', name, 'actions', action, 'input')
      lintKeywords(WORKFLOW_FILE, a.input, at, problems)
      const compiled = compileSchemaCheck(a.input)
      if (compiled.ok) checks[`${name}/${action}`] = compiled.check
      else for (const e of compiled.errors) problems.error(WORKFLOW_FILE, at + e.path, e.message)
    }
  }
  return checks
}

/** Loads and lints a package from its files (paths relative to the package folder, '/'-separated). */
export async function loadPackage(all: Record<string, string>, opts: LoadOptions = {}): Promise<LoadResult> {
  const { files, frameworkFile } = selectPackageFiles(all)
  const problems = new ProblemList()
  const order = [WORKFLOW_FILE, frameworkFile, ...Object.keys(files).filter((f) => f.startsWith('forms/')), ...Object.keys(files)]
  const done = (pkg?: LoadedPackage): LoadResult => ({ ...(pkg ? { package: pkg } : {}), problems: problems.sorted(order) })

  if (!Object.hasOwn(files, WORKFLOW_FILE)) {
    problems.error(WORKFLOW_FILE, '', 'workflow.json is missing: every package folder needs one')
    return done()
  }
  const values = parseAll(files, problems)
  const wfValue = values.get(WORKFLOW_FILE)
  const wfValid = values.has(WORKFLOW_FILE) && validate(WORKFLOW_FILE, wfValue, validateWorkflow, workflowSchema, 'workflow', problems)
  const wf = wfValid ? (wfValue as Workflow) : undefined

  let framework: Framework | undefined
  if (frameworkFile.split('/').includes('..') || frameworkFile.startsWith('/')) {
    problems.error(WORKFLOW_FILE, '/framework', `'${frameworkFile}' is outside the package folder: keep the framework file inside it`)
  } else if (!Object.hasOwn(files, frameworkFile)) {
    const candidates = Object.keys(all).filter((f) => f.endsWith('.json') && f !== WORKFLOW_FILE && !f.includes('/'))
    const pointer = wf?.framework !== undefined ? '/framework' : ''
    problems.error(WORKFLOW_FILE, pointer, `framework file '${frameworkFile}' not found${didYouMean(frameworkFile, candidates)}`)
  } else if (values.has(frameworkFile)) {
    const value = values.get(frameworkFile)
    if (validate(frameworkFile, value, validateFramework, frameworkSchema, 'framework', problems)) {
      framework = value as Framework
      lintFramework(frameworkFile, framework, problems)
    }
  }

  const forms: Record<string, Form> = {}
  const formChecks: Record<string, SchemaCheck> = {}
  const competencies = framework ? new Set(framework.competencies.map((c) => c.id)) : undefined
  for (const file of Object.keys(files)) {
    const id = formIdOf(file)
    if (id === undefined || !values.has(file)) continue
    const value = values.get(file)
    const count = problems.items.length
    const valid = validate(file, value, validateForm, formSchema, 'form', problems)
    const metaErrors = checkJsonSchema(value)
    // The meta-schema often repeats what form.schema.json said about the same value: say it once.
    const reported = new Set(problems.items.slice(count).map((p) => p.pointer))
    for (const e of metaErrors) if (!reported.has(e.path)) problems.error(file, e.path, e.message)
    lintKeywords(file, value, '', problems)
    lintForm(file, value as Form, competencies, problems)
    if (!valid || metaErrors.length > 0) continue
    const compiled = compileSchemaCheck(value)
    if (!compiled.ok) for (const e of compiled.errors) problems.error(file, e.path, e.message)
    else {
      forms[id] = value as Form
      formChecks[id] = compiled.check
    }
    if (wf && !formsInUse(wf).includes(id)) {
      problems.warning(file, '', `form '${id}' is not used: no role in ${WORKFLOW_FILE} "forms" names it`)
    }
  }

  const formIds = new Set(Object.keys(files).map(formIdOf).filter((id): id is string => id !== undefined))
  let expressions: LoadedPackage['expressions'] = new Map()
  let checks: Record<string, SchemaCheck> = {}
  if (wf) {
    lintWorkflow(wf, formIds, problems)
    lintBindings(wf, forms, problems)
    expressions = compileExpressions(wf, files, problems)
    checks = actionChecks(wf, problems)
  }

  const hash = await packageHash(files)
  if (wf && opts.known) {
    const message = versionNotBumped(wf.id, wf.version, hash, opts.known)
    if (message) problems.error(WORKFLOW_FILE, '/version', message)
  }
  if (problems.hasErrors || !wf || !framework) return done()
  return done({
    id: wf.id,
    version: wf.version,
    hash,
    files,
    workflow: wf,
    framework,
    forms,
    expressions,
    formChecks,
    actionChecks: checks,
  })
}
