/**
 * JSON pointers (RFC 6901): the one way every error in kinerja names the value it is about,
 * whether in a package file, a webhook body or a roster.
 */

/** Escapes one reference token: '~' -> '~0', '/' -> '~1'. */
export const escapeToken = (token: string | number): string =>
  String(token).replace(/~/g, '~0').replace(/\//g, '~1')

/** Builds a pointer from its tokens: ['states', 'a/b'] -> '/states/a~1b'; [] -> ''. */
export const toPointer = (tokens: readonly (string | number)[]): string =>
  tokens.map((t) => '/' + escapeToken(t)).join('')

/** Appends tokens to a pointer. */
export const joinPointer = (base: string, ...tokens: (string | number)[]): string => base + toPointer(tokens)

/** Splits a pointer into its unescaped tokens; '' -> []. Throws on a pointer not starting with '/'. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return []
  if (pointer[0] !== '/') throw new Error(`invalid JSON pointer '${pointer}': it must be empty or start with '/'`)
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
}
