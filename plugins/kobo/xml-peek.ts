/**
 * Lenient reads of a Kobo XML export before it is parsed strictly: the form's asset uid (the `id`
 * attribute of the first element that has one) and the text of one element, for the idempotency
 * key. Each scans the text once with indexOf and short regular expressions that cannot backtrack
 * far: the regular expressions these replace took minutes on 20 KB of `<a<a<a...` (a body an
 * authenticated sender controls), freezing the whole server.
 */

/** The text without its processing instructions (`<?xml ...?>`); an unclosed one is kept as is. */
function withoutInstructions(text: string): string {
  let out = ''
  let from = 0
  for (;;) {
    const open = text.indexOf('<?', from)
    const close = open < 0 ? -1 : text.indexOf('?>', open + 2)
    if (close < 0) return out + text.slice(from)
    out += text.slice(from, open)
    from = close + 2
  }
}

const TAG_START = /<[A-Za-z_]/g
const ID_ATTRIBUTE = /\sid\s*=\s*(?:"([^"'<>]*)"|'([^"'<>]*)')/

/** The value of the first `id="..."` inside a start tag (up to its `>`), as Kobo puts the asset uid on the root. */
export function xmlAssetId(xml: string): string | undefined {
  const text = withoutInstructions(xml)
  TAG_START.lastIndex = 0
  for (let m = TAG_START.exec(text); m !== null; m = TAG_START.exec(text)) {
    const end = text.indexOf('>', m.index)
    const tag = text.slice(m.index + 2, end < 0 ? text.length : end)
    const id = ID_ATTRIBUTE.exec(tag)
    if (id) return id[1] ?? id[2]
    // Any other start tag before the same '>' holds only part of this one: skip to after it.
    if (end < 0) return undefined
    TAG_START.lastIndex = end + 1
  }
  return undefined
}

/** The trimmed text of the first `<name>` (any namespace prefix) that is closed, or undefined when empty. */
export function xmlElementText(text: string, name: string): string | undefined {
  const open = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${name}>`, 'g')
  for (let m = open.exec(text); m !== null; m = open.exec(text)) {
    const from = m.index + m[0].length
    const next = text.indexOf('<', from)
    if (next < 0) return undefined
    if (text[next + 1] === '/') return text.slice(from, next).trim() || undefined
    open.lastIndex = next
  }
  return undefined
}
