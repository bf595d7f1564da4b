/**
 * A strict JSON parser that remembers where every value is.
 *
 * It refuses what JSON.parse lets through silently (duplicate keys, which hide one of two answers;
 * `__proto__`/`constructor`/`prototype` keys, which poison objects downstream), caps nesting depth,
 * and lists integers too large to be exact (an 18-digit NIP sent as a number has already lost
 * digits). Errors and `locate` give 1-based line and column so HR can open the file at the spot.
 * Linear time; it also parses webhook bodies, so locations cost a second pass only when asked for.
 */
import { parsePointer, toPointer } from './json-pointer.ts'
import { lineCol, lineStarts, stringOffset, type JsonLocation } from './text-position.ts'

export type { JsonLocation } from './text-position.ts'
export { locateOffset } from './text-position.ts'

export interface JsonError extends JsonLocation {
  /** Pointer of the value (or member) the error is about; '' for the document. */
  pointer: string
  message: string
}

/** A number whose value JSON cannot carry exactly (an integer beyond 2^53, or out of range). */
export interface UnsafeNumber extends JsonLocation {
  pointer: string
  /** The number as written, e.g. '199001012015031001'. */
  raw: string
}

export interface ParseJsonOptions {
  /** Deepest nesting of objects and arrays accepted (default 64). */
  maxDepth?: number
}

export interface ParsedJson {
  ok: true
  value: unknown
  unsafeNumbers: UnsafeNumber[]
  /** Where the value at `pointer` starts; for a missing member, where its nearest existing parent starts. */
  locate(pointer: string): JsonLocation
  /** Where the key of the member at `pointer` is (the value's location for array items and the root). */
  locateKey(pointer: string): JsonLocation
  /**
   * Where the character at `index` of the decoded string at `pointer` is in the text, counting
   * escapes (\n, \", \u00e9) as the one character they stand for.
   */
  locateInString(pointer: string, index: number): JsonLocation
}

export type ParseJsonResult = ParsedJson | { ok: false; errors: JsonError[] }

/** Keys that turn into prototype pollution once a parsed object is merged or spread. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

interface Node {
  /** Offset of the value's first character. */
  at: number
  /** Offset of the member's key (its opening quote). */
  keyAt?: number
  kids?: Map<string, Node> | Node[]
}

class Failure {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
const WORD = /[A-Za-z_$][A-Za-z0-9_$]*/y
/** The next character a string scan must stop at. */
const STRING_STOP = /["\\\u0000-\u001f]/g

/**
 * One pass over the text. With `track` it also records where each value is (the Node tree);
 * without, it only builds the value, so the common case (valid input, no location asked) stays
 * close to JSON.parse's speed and locations cost a second pass only when someone asks.
 */
class Parser {
  i: number
  readonly path: (string | number)[] = []
  readonly errors: { offset: number; pointer: string; message: string }[] = []
  readonly unsafe: { offset: number; pointer: string; raw: string }[] = []
  depth = 0
  /** With `track`: the node of the value parsed last. */
  node: Node = { at: 0 }

  constructor(
    readonly s: string,
    readonly maxDepth: number,
    readonly track: boolean,
  ) {
    this.i = s.charCodeAt(0) === 0xfeff ? 1 : 0
  }

  fail(message: string, offset = this.i): never {
    throw new Failure(offset, message)
  }

  ws(): void {
    const s = this.s
    let i = this.i
    for (let c = s.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = s.charCodeAt(++i));
    this.i = i
    if (s.charCodeAt(i) === 0x2f && (s[i + 1] === '/' || s[i + 1] === '*')) this.fail('comments are not allowed in JSON')
  }

  leaf<T>(at: number, value: T): T {
    if (this.track) this.node = { at }
    return value
  }

  value(): unknown {
    const c = this.s[this.i]
    if (c === '{') return this.object()
    if (c === '[') return this.array()
    if (c === '"') return this.leaf(this.i, this.string())
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number()
    if (c === undefined) this.fail('unexpected end of the text: a value is missing')
    if (c === "'") this.fail('strings must be in double quotes (")')
    WORD.lastIndex = this.i
    const word = WORD.exec(this.s)?.[0]
    if (word === 'true' || word === 'false' || word === 'null') {
      const at = this.i
      this.i += word.length
      return this.leaf(at, word === 'true' ? true : word === 'false' ? false : null)
    }
    if (word !== undefined) {
      const lower = word.toLowerCase()
      const hint = lower === 'true' || lower === 'false' || lower === 'null' ? `: did you mean ${lower}?` : ': text must be in double quotes'
      this.fail(`unexpected '${word}'${hint}`)
    }
    this.fail(`unexpected '${c}': expected a value`)
  }

  enter(): void {
    if (++this.depth > this.maxDepth) this.fail(`nested deeper than ${this.maxDepth} levels`)
  }

  object(): unknown {
    const s = this.s
    const at = this.i
    this.enter()
    this.i++
    const kids = this.track ? new Map<string, Node>() : undefined
    const out: Record<string, unknown> = {}
    this.ws()
    let comma = -1
    if (s[this.i] !== '}') {
      for (;;) {
        const keyAt = this.i
        if (s[keyAt] !== '"') {
          if (s[keyAt] === '}' && comma >= 0) this.fail("trailing comma: remove the ',' before '}'", comma)
          if (s[keyAt] === undefined) this.fail(`unexpected end of the text: '}' missing (object opened ${this.where(at)})`)
          WORD.lastIndex = keyAt
          if (WORD.test(s) || s[keyAt] === "'") this.fail('property names must be in double quotes (")')
          this.fail(`unexpected '${s[keyAt]}': expected a property name in double quotes`)
        }
        const key = this.string()
        this.ws()
        if (s[this.i] !== ':') this.fail(`expected ':' after the property name '${key}'`)
        this.i++
        this.ws()
        this.path.push(key)
        const value = this.value()
        if (Object.hasOwn(out, key)) this.report(keyAt, `duplicate key '${key}'`)
        else if (FORBIDDEN_KEYS.has(key)) this.report(keyAt, `key '${key}' is not allowed`)
        else {
          out[key] = value
          if (kids) {
            this.node.keyAt = keyAt
            kids.set(key, this.node)
          }
        }
        this.path.pop()
        this.ws()
        const c = s[this.i]
        if (c === '}') break
        if (c !== ',') this.afterItem(c, '}', at, `the value of '${key}'`)
        comma = this.i++
        this.ws()
      }
    }
    this.i++
    this.depth--
    if (kids) this.node = { at, kids }
    return out
  }

  array(): unknown {
    const s = this.s
    const at = this.i
    this.enter()
    this.i++
    const kids: Node[] | undefined = this.track ? [] : undefined
    const out: unknown[] = []
    this.ws()
    if (s[this.i] !== ']') {
      for (;;) {
        this.path.push(out.length)
        out.push(this.value())
        kids?.push(this.node)
        this.path.pop()
        this.ws()
        const c = s[this.i]
        if (c === ']') break
        if (c !== ',') this.afterItem(c, ']', at, `item ${out.length - 1}`)
        const comma = this.i++
        this.ws()
        if (s[this.i] === ']') this.fail("trailing comma: remove the ',' before ']'", comma)
      }
    }
    this.i++
    this.depth--
    if (kids) this.node = { at, kids }
    return out
  }

  afterItem(c: string | undefined, close: string, openedAt: number, what: string): never {
    if (c === undefined) {
      this.fail(`unexpected end of the text: '${close}' missing (${close === '}' ? 'object' : 'array'} opened ${this.where(openedAt)})`)
    }
    if (close === '}' && c === '"') this.fail("missing ',' before this property")
    if (close === ']' && /["{[0-9tfn-]/.test(c)) this.fail("missing ',' before this item")
    this.fail(`expected ',' or '${close}' after ${what}`)
  }

  where(offset: number): string {
    const { line, col } = lineCol(this.s, lineStarts(this.s), offset)
    return `at line ${line} col ${col}`
  }

  report(offset: number, message: string): void {
    this.errors.push({ offset, pointer: toPointer(this.path), message })
  }

  string(): string {
    const s = this.s
    const open = this.i
    let from = open + 1
    let out = ''
    for (;;) {
      STRING_STOP.lastIndex = from
      const stop = STRING_STOP.exec(s)
      if (stop === null) this.fail('unterminated string: the closing " is missing', open)
      const j = stop.index
      const code = s.charCodeAt(j)
      if (code === 0x22) {
        this.i = j + 1
        return out + s.slice(from, j)
      }
      if (code !== 0x5c) {
        this.fail(code === 0x0a || code === 0x0d ? 'line break inside a string: write it as \\n' : 'control character inside a string: escape it', j)
      }
      out += s.slice(from, j)
      const e = s[j + 1]
      if (e === 'u') {
        const hex = s.slice(j + 2, j + 6)
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape: expected 4 hex digits', j)
        out += String.fromCharCode(parseInt(hex, 16))
        from = j + 6
      } else {
        const ch = e === undefined ? undefined : ESCAPES[e]
        if (ch === undefined) this.fail(`invalid escape '\\${e ?? ''}' in a string`, j)
        out += ch
        from = j + 2
      }
    }
  }

  number(): unknown {
    const s = this.s
    const at = this.i
    NUMBER.lastIndex = at
    const raw = NUMBER.exec(s)?.[0]
    if (raw === undefined) this.fail("'-' must be followed by a digit")
    const next = s[at + raw.length]
    if (raw === '0' || raw === '-0') {
      if (next !== undefined && next >= '0' && next <= '9') {
        this.fail('numbers cannot start with 0: if this is an id or a NIP, write it as a string in double quotes')
      }
    }
    if (next === '.' || next === 'e' || next === 'E') this.fail(`malformed number '${raw}${next}'`, at)
    this.i = at + raw.length
    const value = Number(raw)
    if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))) {
      this.unsafe.push({ offset: at, pointer: toPointer(this.path), raw })
    }
    return this.leaf(at, value)
  }

  /** Parses the whole text as one value. */
  document(): unknown {
    this.ws()
    if (this.i >= this.s.length) this.fail('the text is empty: expected a JSON value')
    const value = this.value()
    this.ws()
    if (this.i < this.s.length) this.fail(`unexpected '${this.s[this.i]}' after the end of the JSON value`)
    return value
  }
}

/** Parses `text` as strict JSON, with locations. */
export function parseJson(text: string, opts: ParseJsonOptions = {}): ParseJsonResult {
  const maxDepth = opts.maxDepth ?? 64
  const p = new Parser(text, maxDepth, false)
  let starts: number[] | undefined
  const at = (offset: number): JsonLocation => lineCol(text, (starts ??= lineStarts(text)), offset)
  let value: unknown
  try {
    value = p.document()
  } catch (e) {
    if (!(e instanceof Failure)) throw e
    const errors = [...p.errors, { offset: e.offset, pointer: toPointer(p.path), message: e.message }]
    return { ok: false, errors: errors.map(({ offset, pointer, message }) => ({ pointer, ...at(offset), message })) }
  }
  if (p.errors.length > 0) {
    return { ok: false, errors: p.errors.map(({ offset, pointer, message }) => ({ pointer, ...at(offset), message })) }
  }
  let root: Node | undefined
  const walk = (pointer: string): { node: Node; exact: boolean } => {
    if (root === undefined) {
      const tracker = new Parser(text, maxDepth, true)
      tracker.document()
      root = tracker.node
    }
    let node = root
    for (const token of parsePointer(pointer)) {
      const kids = node.kids
      const next = Array.isArray(kids) ? (/^(0|[1-9][0-9]*)$/.test(token) ? kids[Number(token)] : undefined) : kids?.get(token)
      if (next === undefined) return { node, exact: false }
      node = next
    }
    return { node, exact: true }
  }
  return {
    ok: true,
    value,
    unsafeNumbers: p.unsafe.map(({ offset, pointer, raw }) => ({ pointer, raw, ...at(offset) })),
    locate: (pointer) => at(walk(pointer).node.at),
    locateKey: (pointer) => {
      const { node } = walk(pointer)
      return at(node.keyAt ?? node.at)
    },
    locateInString: (pointer, index) => {
      const { node, exact } = walk(pointer)
      if (!exact || text[node.at] !== '"') return at(node.at)
      return at(stringOffset(text, node.at, index))
    },
  }
}

/** Line and column of character `index` of the JSON string at `pointer` in `text`; undefined when `text` is not valid JSON. */
export function locateInString(text: string, pointer: string, index: number): JsonLocation | undefined {
  const parsed = parseJson(text)
  return parsed.ok ? parsed.locateInString(pointer, index) : undefined
}
