/**
 * The content hash that identifies one exact version of a package. Web Crypto, so the same code
 * gives the same hash on Node and on Workers.
 */

/** Hex SHA-256 over the files sorted by path, each as path, NUL, content, NUL. */
export async function packageHash(files: Record<string, string>): Promise<string> {
  const paths = Object.keys(files).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const text = paths.map((p) => `${p}\u0000${files[p]}\u0000`).join('')
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}
