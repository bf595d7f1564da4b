/**
 * Bytes as text and back, the same on Node and Workers (no Buffer): a receipt keeps a body's exact
 * bytes in base64 when they are not valid UTF-8.
 */
const strict = new TextDecoder('utf-8', { fatal: true })

/** Whether `text` (decoded from `bytes` with replacement) holds the bytes exactly. */
export function decodedExactly(bytes: Uint8Array, text: string): boolean {
  // A replacement character is in the text whenever a byte could not be read, so text without one
  // is exact; with one, the sender may have sent U+FFFD itself.
  if (!text.includes('\uFFFD')) return true
  try {
    strict.decode(bytes)
    return true
  } catch {
    return false
  }
}

export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  // In pieces: String.fromCharCode takes its arguments on the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}
