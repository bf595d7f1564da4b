/**
 * A small, strict `multipart/form-data` reader (RFC 7578 / RFC 2046) over the decoded body text,
 * for Jotform's webhook. Strict because a lenient reader is where smuggling hides: CRLF line ends
 * only, no preamble, no text after the closing boundary, every part named exactly once. A body that
 * ends before its closing boundary was truncated in transit and is refused, never half-read.
 */
import { AppError } from '../../src/errors.ts'

export interface MultipartPart {
  name: string
  value: string
  filename?: string
  contentType?: string
}

const CRLF = '\r\n'
/** RFC 2046 bchars: 1 to 70 of them, not ending in a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const HEADER = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*$/

const malformed = (detail: string, path = '/') => new AppError('bad-request', `the multipart body is malformed: ${detail}`, { errors: [{ path, message: detail }] })

/**
 * Splits `value` at `;` outside quotes into a lower-cased type and its parameters (names
 * lower-cased, quoted values unescaped). A repeated parameter is refused: which one wins is
 * exactly the ambiguity an attacker uses.
 */
export function parseHeaderValue(value: string, what: string): { type: string; params: Map<string, string> } {
  let i = value.indexOf(';')
  if (i === -1) i = value.length
  const type = value.slice(0, i).trim().toLowerCase()
  const params = new Map<string, string>()
  while (i < value.length) {
    i++ // past ';'
    while (value[i] === ' ' || value[i] === '\t') i++
    if (i >= value.length) break // a trailing ';' is harmless
    const eq = value.indexOf('=', i)
    if (eq === -1) throw malformed(`${what}: parameter '${value.slice(i)}' has no value`)
    const name = value.slice(i, eq).trim().toLowerCase()
    if (!TOKEN.test(name)) throw malformed(`${what}: invalid parameter name '${name}'`)
    i = eq + 1
    let v = ''
    if (value[i] === '"') {
      i++
      for (;;) {
        const c = value[i]
        if (c === undefined) throw malformed(`${what}: the quoted value of '${name}' is not closed`)
        if (c === '"') break
        if (c === '\\' && i + 1 < value.length) i++
        v += value[i]
        i++
      }
      i++ // past the closing quote
      while (value[i] === ' ' || value[i] === '\t') i++
      if (i < value.length && value[i] !== ';') throw malformed(`${what}: unexpected text after the quoted value of '${name}'`)
    } else {
      const end = value.indexOf(';', i)
      v = value.slice(i, end === -1 ? value.length : end).trim()
      i = end === -1 ? value.length : end
      if (!TOKEN.test(v)) throw malformed(`${what}: the value of '${name}' must be quoted`)
    }
    if (params.has(name)) throw malformed(`${what}: parameter '${name}' is given twice`)
    params.set(name, v)
  }
  return { type, params }
}

/** The boundary of a `multipart/form-data` Content-Type; AppError when it is missing or odd. */
export function boundaryOf(contentType: string | undefined): string {
  if (!contentType) throw new AppError('unsupported-media-type', 'the Content-Type header is missing: Jotform sends multipart/form-data')
  const { type, params } = parseHeaderValue(contentType, 'Content-Type')
  if (type !== 'multipart/form-data') throw new AppError('unsupported-media-type', `expected multipart/form-data, got '${type}'`)
  const boundary = params.get('boundary')
  if (boundary === undefined) throw malformed('the Content-Type has no boundary parameter')
  if (!BOUNDARY.test(boundary)) throw malformed('the boundary must be 1 to 70 letters, digits or \'()+_,-./:=? (not ending in a space)')
  return boundary
}

const pointerOf = (name: string) => `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`

/** The name of a part whose headers may be damaged, for error messages only. */
function nameIfReadable(head: string, index: number): string | undefined {
  try {
    return partHeaders(head, index).name
  } catch {
    return undefined
  }
}

/** Parses one part's header block (the lines before its blank line). */
function partHeaders(text: string, index: number): Omit<MultipartPart, 'value'> {
  const where = `part ${index + 1}`
  let disposition: string | undefined
  let contentType: string | undefined
  for (const line of text.split(CRLF)) {
    if (line.includes('\r') || line.includes('\n')) throw malformed(`${where}: header lines must end with CRLF`, where)
    const m = HEADER.exec(line)
    if (!m) throw malformed(`${where}: '${line.slice(0, 60)}' is not a header`, where)
    const name = m[1]!.toLowerCase()
    if (name === 'content-disposition') {
      if (disposition !== undefined) throw malformed(`${where}: Content-Disposition is given twice`, where)
      disposition = m[2]!
    } else if (name === 'content-type') {
      if (contentType !== undefined) throw malformed(`${where}: Content-Type is given twice`, where)
      contentType = m[2]!
    }
  }
  if (disposition === undefined) throw malformed(`${where}: the Content-Disposition header is missing`, where)
  const { type, params } = parseHeaderValue(disposition, `${where} Content-Disposition`)
  if (type !== 'form-data') throw malformed(`${where}: Content-Disposition must be form-data, not '${type}'`, where)
  const name = params.get('name')
  if (name === undefined || name === '') throw malformed(`${where}: the part has no name`, where)
  const filename = params.get('filename')
  return { name, ...(filename !== undefined ? { filename } : {}), ...(contentType !== undefined ? { contentType } : {}) }
}

/**
 * Reads every part of `body`. Structural faults are 'bad-request' (400) naming the part; a part
 * name given twice is 'validation-failed' (422) naming it, because the sender would otherwise
 * choose which of two answers we read.
 */
export function parseMultipart(body: string, contentType: string | undefined): Map<string, MultipartPart> {
  const boundary = boundaryOf(contentType)
  const dash = `--${boundary}`
  const delimiter = CRLF + dash
  if (!body.startsWith(dash)) throw malformed('the body must start with the boundary given in the Content-Type')
  const parts = new Map<string, MultipartPart>()
  const seen = new Map<string, number>()
  let pos = dash.length
  for (let index = 0; ; index++) {
    const after = body.slice(pos, pos + 2)
    if (after === '--') {
      const epilogue = body.slice(pos + 2)
      if (epilogue !== '' && epilogue !== CRLF) throw malformed('there is text after the closing boundary')
      break
    }
    if (after !== CRLF) {
      if (pos >= body.length) throw malformed('the body ends without its closing boundary: it was truncated')
      throw malformed(`part ${index + 1}: the boundary line must end with CRLF`, `part ${index + 1}`)
    }
    const start = pos + 2
    const next = body.indexOf(delimiter, start)
    if (next === -1) {
      const headEnd = body.indexOf(CRLF + CRLF, start)
      const name = headEnd === -1 ? undefined : nameIfReadable(body.slice(start, headEnd), index)
      const where = name === undefined ? `part ${index + 1}` : `part ${index + 1} ('${name}')`
      throw malformed(`the body ends inside ${where}: it was truncated (the closing boundary is missing)`, name === undefined ? `part ${index + 1}` : pointerOf(name))
    }
    // Searching within the part keeps the whole read linear in the body's length.
    const segment = body.slice(start, next)
    const headEnd = segment.indexOf(CRLF + CRLF)
    if (headEnd === -1) throw malformed(`part ${index + 1}: the blank line after its headers is missing`, `part ${index + 1}`)
    const head = partHeaders(segment.slice(0, headEnd), index)
    const value = segment.slice(headEnd + 4)
    const count = (seen.get(head.name) ?? 0) + 1
    seen.set(head.name, count)
    if (count === 1) parts.set(head.name, { ...head, value })
    pos = next + delimiter.length
  }
  const twice = [...seen].filter(([, n]) => n > 1)
  if (twice.length) {
    throw new AppError('validation-failed', 'a multipart field is sent more than once', {
      errors: twice.map(([name, n]) => ({ path: pointerOf(name), message: `the part '${name}' is sent ${n} times; send it once` })),
    })
  }
  return parts
}
