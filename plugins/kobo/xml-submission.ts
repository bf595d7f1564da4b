/**
 * Kobo's XML export (the stored submission instance) read into the same flat record the JSON
 * export has, so both formats give HR the same field names: elements become slash paths without
 * the root (`<penilaian><integritas>4</integritas>` -> `penilaian/integritas: '4'`), values stay
 * strings, unanswered (empty) questions are left out as in the JSON export, and the root's `id`
 * attribute (the asset uid) becomes `_xform_id_string`. Namespace prefixes are dropped
 * (`orx:meta` -> `meta`).
 *
 * Repeats: an element that occurs several times among its siblings is a repeat and becomes an
 * array of objects with full-path keys, as in the JSON export. The instance does not say which
 * groups are repeats, so a repeat answered only once reads as a group (`penilaian/bukti/x`, not
 * `penilaian/bukti[1]/x`): the setup guide says so and recommends the JSON export.
 */
import { AppError, type FieldError } from '../../src/errors.ts'
import { FORBIDDEN_KEYS } from '../../src/json/parse-json.ts'
import { textProblem } from './text-check.ts'
import { readXml, type XmlElement } from './xml-reader.ts'

const local = (name: string): string => name.slice(name.indexOf(':') + 1)

interface Walk {
  errors: FieldError[]
  locate(offset: number): { line: number; col: number }
}

const where = (w: Walk, el: XmlElement) => {
  const { line, col } = w.locate(el.at)
  return `line ${line}, column ${col}`
}

function walk(w: Walk, el: XmlElement, prefix: string, xpath: string, into: Record<string, unknown>): void {
  const groups = new Map<string, XmlElement[]>()
  for (const child of el.children) {
    const name = local(child.name)
    groups.set(name, [...(groups.get(name) ?? []), child])
  }
  for (const [name, els] of groups) {
    const path = `${xpath}/${name}`
    const first = els[0]!
    if (FORBIDDEN_KEYS.has(name)) {
      w.errors.push({ path, message: `'${name}' is not allowed as a question name (${where(w, first)})` })
      continue
    }
    const key = prefix ? `${prefix}/${name}` : name
    if (els.length === 1) {
      if (first.children.length > 0) walk(w, first, key, path, into)
      else if (first.text !== '') {
        const problem = textProblem(first.text)
        if (problem) w.errors.push({ path, message: `${problem} (${where(w, first)})` })
        into[key] = first.text
      }
      continue
    }
    const leaf = els.find((e) => e.children.length === 0)
    if (leaf !== undefined) {
      w.errors.push({ path, message: `appears ${els.length} times (again at ${where(w, els[1]!)}); an answer must appear once` })
      continue
    }
    into[key] = els.map((item, i) => {
      const answers: Record<string, unknown> = {}
      walk(w, item, key, `${path}[${i + 1}]`, answers)
      return answers
    })
  }
}

/** Parses the XML export into a Kobo record; throws AppError('validation-failed') with the XPath. */
export function koboXmlRecord(text: string): Record<string, unknown> {
  const read = readXml(text)
  if (!read.ok) {
    throw new AppError('validation-failed', 'the body is not well-formed XML', {
      errors: [{ path: '/', message: `${read.message} (line ${read.line}, column ${read.col})` }],
    })
  }
  const record: Record<string, unknown> = {}
  const w: Walk = { errors: [], locate: read.locate }
  const asset = read.root.attributes.get('id')
  const problem = asset === undefined ? undefined : textProblem(asset)
  if (problem) w.errors.push({ path: `/${local(read.root.name)}/@id`, message: problem })
  else if (asset !== undefined && asset !== '') record._xform_id_string = asset
  walk(w, read.root, '', `/${local(read.root.name)}`, record)
  if (w.errors.length) throw new AppError('validation-failed', 'the XML submission has answers that cannot be read', { errors: w.errors.slice(0, 20) })
  return record
}
