/**
 * A small, safe XML reader for submission instances (Kobo's XML export). It reads elements,
 * attributes, text, CDATA, comments and processing instructions, and refuses every DTD
 * (`<!DOCTYPE`, `<!ENTITY`): entities are how XML bombs expand without limit and how external
 * entities read files. Only the five predefined entities and character references are decoded.
 * Nesting is capped, control characters are refused, and errors give line and column.
 * No namespaces processing: names keep their prefix; the caller drops it.
 */
import { lineCol, lineStarts } from '../../src/json/text-position.ts'

export interface XmlElement {
  /** The name as written, prefix included (`orx:meta`). */
  name: string
  attributes: ReadonlyMap<string, string>
  children: XmlElement[]
  /** The character data directly inside the element (entities decoded, CDATA included). */
  text: string
  /** Offset of its '<' in the text. */
  at: number
}

export type ReadXmlResult =
  | { ok: true; root: XmlElement; locate(offset: number): { line: number; col: number } }
  | { ok: false; message: string; line: number; col: number }

class Failure {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

const NAME = /[A-Za-z_:\u00c0-\uffff][A-Za-z0-9_.:\-\u00b7\u00c0-\uffff]*/y
const WS = /[ \t\r\n]*/y
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }
/** Characters XML 1.0 does not allow (NUL included: it cuts text short in many stores). */
const BAD_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/

class Reader {
  i: number

  constructor(
    readonly s: string,
    readonly maxDepth: number,
  ) {
    this.i = s.charCodeAt(0) === 0xfeff ? 1 : 0
  }

  fail(message: string, offset = this.i): never {
    throw new Failure(offset, message)
  }

  at(token: string): boolean {
    return this.s.startsWith(token, this.i)
  }

  ws(): void {
    WS.lastIndex = this.i
    WS.exec(this.s)
    this.i = WS.lastIndex
  }

  /** Skips to just after `end`, failing with `what` when it never comes. */
  skipPast(end: string, what: string): number {
    const j = this.s.indexOf(end, this.i)
    if (j < 0) this.fail(`${what} is not closed: '${end}' is missing`)
    const start = this.i
    this.i = j + end.length
    return start
  }

  name(): string {
    NAME.lastIndex = this.i
    const name = NAME.exec(this.s)?.[0]
    if (name === undefined) this.fail(`expected a name, found '${this.s[this.i] ?? 'the end of the text'}'`)
    this.i += name.length
    return name
  }

  /** Comments, processing instructions and white space; a DTD is refused. */
  misc(): void {
    for (;;) {
      this.ws()
      if (this.at('<?')) {
        const start = this.i
        this.skipPast('?>', 'a processing instruction')
        const encoding = /encoding\s*=\s*["']([^"']*)["']/.exec(this.s.slice(start, this.i))?.[1]
        if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) this.fail(`the text is declared as '${encoding}': send UTF-8`, start)
      } else if (this.at('<!--')) {
        this.skipPast('-->', 'a comment')
      } else if (this.at('<!')) {
        this.fail('DTDs and entity declarations (<!DOCTYPE, <!ENTITY) are not accepted')
      } else {
        return
      }
    }
  }

  document(): XmlElement {
    this.misc()
    if (!this.at('<')) this.fail(this.i >= this.s.length ? 'the text is empty: expected an XML element' : 'expected an XML element')
    const root = this.element(1)
    this.misc()
    if (this.i < this.s.length) this.fail('unexpected content after the root element')
    return root
  }

  element(depth: number): XmlElement {
    const at = this.i
    if (depth > this.maxDepth) this.fail(`nested deeper than ${this.maxDepth} levels`)
    this.i++
    const name = this.name()
    const attributes = new Map<string, string>()
    for (;;) {
      const before = this.i
      this.ws()
      if (this.at('/>')) {
        this.i += 2
        return { name, attributes, children: [], text: '', at }
      }
      if (this.at('>')) {
        this.i++
        break
      }
      if (this.i === before) this.fail(`expected '>' or an attribute in <${name}>`)
      const attrAt = this.i
      const attr = this.name()
      this.ws()
      if (!this.at('=')) this.fail(`expected '=' after the attribute '${attr}'`)
      this.i++
      this.ws()
      const quote = this.s[this.i]
      if (quote !== '"' && quote !== "'") this.fail(`the value of '${attr}' must be in quotes`)
      const end = this.s.indexOf(quote, this.i + 1)
      if (end < 0) this.fail(`the value of '${attr}' is not closed`)
      const raw = this.s.slice(this.i + 1, end)
      if (raw.includes('<')) this.fail(`'<' is not allowed in the value of '${attr}'`)
      if (attributes.has(attr)) this.fail(`the attribute '${attr}' appears twice`, attrAt)
      attributes.set(attr, this.decode(raw, this.i + 1))
      this.i = end + 1
    }
    return this.content(name, attributes, at, depth)
  }

  content(name: string, attributes: Map<string, string>, at: number, depth: number): XmlElement {
    const children: XmlElement[] = []
    let text = ''
    for (;;) {
      const lt = this.s.indexOf('<', this.i)
      if (lt < 0) this.fail(`<${name}> is not closed`, at)
      text += this.decode(this.s.slice(this.i, lt), this.i)
      this.i = lt
      if (this.at('</')) {
        this.i += 2
        const close = this.name()
        if (close !== name) this.fail(`</${close}> closes <${name}>, which it does not match`, lt)
        this.ws()
        if (!this.at('>')) this.fail(`expected '>' to end </${close}>`)
        this.i++
        return { name, attributes, children, text, at }
      }
      if (this.at('<!--')) this.skipPast('-->', 'a comment')
      else if (this.at('<![CDATA[')) {
        const start = this.skipPast(']]>', 'a CDATA section') + 9
        const data = this.s.slice(start, this.i - 3)
        this.check(data, start)
        text += data
      } else if (this.at('<?')) this.skipPast('?>', 'a processing instruction')
      else if (this.at('<!')) this.fail('DTDs and entity declarations (<!DOCTYPE, <!ENTITY) are not accepted')
      else children.push(this.element(depth + 1))
    }
  }

  check(raw: string, offset: number): void {
    const bad = BAD_CHAR.exec(raw)
    if (bad) {
      const code = bad[0].charCodeAt(0)
      this.fail(code === 0 ? 'a NUL character is not allowed in XML' : `the control character U+${code.toString(16).padStart(4, '0').toUpperCase()} is not allowed in XML`, offset + bad.index)
    }
  }

  /** Decodes character and predefined entity references; any other entity is refused. */
  decode(raw: string, offset: number): string {
    this.check(raw, offset)
    if (!raw.includes('&')) return raw
    return raw.replace(/&([^;&]*);?/g, (whole, ref: string, index: number) => {
      const where = offset + index
      if (!whole.endsWith(';')) this.fail("'&' must start an entity such as &amp; (write a literal '&' as &amp;)", where)
      const predefined = PREDEFINED[ref]
      if (predefined !== undefined) return predefined
      const num = /^#([0-9]{1,7})$/.exec(ref)?.[1] ?? /^#x([0-9a-fA-F]{1,6})$/.exec(ref)?.[1]
      if (num === undefined) this.fail(`unknown entity '&${ref};': only &lt; &gt; &amp; &quot; &apos; and character references are accepted`, where)
      const code = parseInt(num, ref.startsWith('#x') ? 16 : 10)
      const valid = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff)
      if (!valid) this.fail(`'&${ref};' is not a character XML allows`, where)
      return String.fromCodePoint(code)
    })
  }
}

export function readXml(text: string, opts: { maxDepth?: number } = {}): ReadXmlResult {
  let starts: number[] | undefined
  const locate = (offset: number) => lineCol(text, (starts ??= lineStarts(text)), offset)
  try {
    return { ok: true, root: new Reader(text, opts.maxDepth ?? 64).document(), locate }
  } catch (e) {
    if (!(e instanceof Failure)) throw e
    return { ok: false, message: e.message, ...locate(e.offset) }
  }
}
