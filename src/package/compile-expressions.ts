/**
 * Compiles every JSONata expression of a workflow (states and cycle rules) once, when the package
 * loads. A syntax error is reported at the exact character: inside the JSON string of
 * workflow.json (escapes counted) or in the .jsonata file an assign or a check points to.
 * Recursive functions, and functions that apply an argument to itself (`$f($f)`, recursion without
 * a name), are refused, because deployed Workers freeze the clock and no time limit could stop
 * them there.
 */
import { compileExpression, ExpressionSyntaxError, recursiveFunctions, selfApplications } from '../engine/expression.ts'
import type { Workflow } from '../generated/types.ts'
import { joinPointer } from '../json/json-pointer.ts'
import { locateOffset, type JsonLocation } from '../json/text-position.ts'
import { didYouMean } from '../json/suggest.ts'
import type { CompiledExpression } from './loaded-package.ts'
import type { ProblemList } from './problems.ts'
import { WORKFLOW_FILE } from './select-files.ts'

/** The key of a cycle rule's compiled check in LoadedPackage.expressions. */
export const cycleRulePointer = (id: string) => joinPointer('/cycleRules', id, 'check')

/** Where an expression's text lives. */
interface Source {
  /** The workflow.json pointer where it is used (the key of LoadedPackage.expressions). */
  pointer: string
  text: string
  /** WORKFLOW_FILE, or the .jsonata file holding the text. */
  file: string
}

/** Every expression of the workflow, with {file} values resolved against the package's files. */
function sources(wf: Workflow, files: Record<string, string>, problems: ProblemList): Source[] {
  const out: Source[] = []
  const inline = (pointer: string, text: string) => out.push({ pointer, text, file: WORKFLOW_FILE })
  const expression = (pointer: string, value: string | { file: string }) => {
    if (typeof value === 'string') inline(pointer, value)
    else if (Object.hasOwn(files, value.file)) out.push({ pointer, text: files[value.file]!, file: value.file })
    else {
      const jsonata = Object.keys(files).filter((f) => f.endsWith('.jsonata'))
      problems.error(WORKFLOW_FILE, `${pointer}/file`, `no file '${value.file}' in the package${didYouMean(value.file, jsonata)}`)
    }
  }
  const assign = (at: string, values: Record<string, string | { file: string }>) => {
    for (const [name, value] of Object.entries(values)) expression(joinPointer(at, name), value)
  }
  for (const [name, state] of Object.entries(wf.states)) {
    const at = joinPointer('/states', name)
    if (state.type === 'compute') assign(`${at}/assign`, state.assign)
    if (state.type === 'choice') state.choices.forEach((c, i) => inline(`${at}/choices/${i}/when`, c.when))
    if (state.type === 'notify') {
      inline(`${at}/to`, state.to)
      inline(`${at}/template`, state.template)
    }
    if (state.type === 'review') {
      for (const [action, a] of Object.entries(state.actions)) if (a.assign) assign(joinPointer(at, 'actions', action, 'assign'), a.assign)
    }
  }
  for (const [id, rule] of Object.entries(wf.cycleRules ?? {})) expression(cycleRulePointer(id), rule.check)
  return out
}

/** jsonata's own words, without the file/pointer prefix and position suffix ExpressionSyntaxError adds. */
function jsonataMessage(e: ExpressionSyntaxError): string {
  const prefix = `${e.file} ${e.pointer}: `
  const body = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message
  return body.replace(/ \([A-Z][0-9]{4} at [^)]*\)$/, '')
}

/**
 * An expression nested so deeply (thousands of brackets) that jsonata's parser or the compiler of
 * the synchronous evaluator ran out of stack: a problem of the package like any other, not a
 * crash of the loader. (The checks after them walk the tree without recursing.)
 */
const tooDeep = (e: RangeError) => `the expression is nested too deeply to compile (${e.message}): split it into smaller parts`

/** Compiles the workflow's expressions, reporting each failure; returns those that compiled. */
export function compileExpressions(wf: Workflow, files: Record<string, string>, problems: ProblemList): Map<string, CompiledExpression> {
  const compiled = new Map<string, CompiledExpression>()
  const doc = problems.parsed.get(WORKFLOW_FILE)
  const where = (s: Source, offset: number): JsonLocation =>
    s.file === WORKFLOW_FILE ? (doc?.locateInString(s.pointer, offset) ?? { line: 1, col: 1 }) : locateOffset(s.text, offset)
  const all = sources(wf, files, problems)
  const users = new Map<string, string[]>()
  for (const s of all) users.set(s.file, [...(users.get(s.file) ?? []), s.pointer])
  // A .jsonata file used by several assigns is one text: report its faults once.
  const reported = new Set<string>()
  for (const s of all) {
    const inFile = s.file === WORKFLOW_FILE ? '' : ` (used by ${WORKFLOW_FILE} ${users.get(s.file)!.join(', ')})`
    let fault: { message: string; offset: number } | undefined
    try {
      if (s.text.trim() === '') fault = { message: 'the expression is empty', offset: 0 }
      else compiled.set(s.pointer, compileExpression(s.text, { file: s.file, pointer: s.pointer }))
    } catch (e) {
      if (e instanceof RangeError) fault = { message: tooDeep(e), offset: 0 }
      else if (!(e instanceof ExpressionSyntaxError)) throw e
      else if (e.cause instanceof RangeError) fault = { message: tooDeep(e.cause), offset: 0 }
      else fault = { message: `JSONata syntax error ${e.code}: ${jsonataMessage(e)}`, offset: e.position }
    }
    if (s.file !== WORKFLOW_FILE && reported.has(s.file)) continue
    reported.add(s.file)
    if (fault) {
      problems.error(s.file, s.pointer, fault.message + inFile, where(s, fault.offset))
      continue
    }
    for (const f of recursiveFunctions(s.text)) {
      const definition = new RegExp(`\\$${f.slice(f.startsWith('$') ? 1 : 0)}\\s*:=`).exec(s.text)
      problems.error(
        s.file,
        s.pointer,
        `recursive function $${f.replace(/^\$/, '')}: recursion cannot be bounded on Workers; rewrite it with $map/$reduce${inFile}`,
        where(s, definition?.index ?? 0),
      )
    }
    for (const { name, offset } of selfApplications(s.text)) {
      problems.error(
        s.file,
        s.pointer,
        `function applies its argument $${name} to itself ($${name}($${name})): that recursion cannot be bounded on Workers; rewrite it with $map/$reduce${inFile}`,
        where(s, offset),
      )
    }
  }
  for (const file of Object.keys(files)) {
    if (file.endsWith('.jsonata') && !users.has(file)) {
      problems.warning(file, '', `not used: no assign in ${WORKFLOW_FILE} has {"file": "${file}"}`, { line: 1, col: 1 })
    }
  }
  return compiled
}
