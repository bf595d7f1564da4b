/**
 * Requests no HTTP client would send, written byte for byte to a TCP socket of the real server:
 * malformed request lines and headers, lying or doubled Content-Length, broken chunking, bodies
 * cut off, oversized heads and bodies, odd request targets and Host headers, pipelining.
 */
import { connect } from 'node:net'

export interface RawCase {
  name: string
  /** The bytes sent; the socket is half-closed afterwards unless `keepOpen`. */
  bytes: (ctx: { host: string; admin: string }) => string | Buffer
  /** The client stops sending but waits, as a slow or dead sender would. */
  keepOpen?: boolean
}

export interface RawAnswer {
  /** Status codes of the responses read (several when pipelined); empty when the server only closed. */
  statuses: number[]
  /** The server neither answered nor closed within the wait. */
  silent: boolean
  head: string
}

const CRLF = '\r\n'
const req = (lines: string[], body = '') => lines.join(CRLF) + CRLF + CRLF + body

export const RAW_CASES: RawCase[] = [
  { name: 'no Host header', bytes: () => req(['GET /health HTTP/1.1']) },
  { name: 'not HTTP at all', bytes: () => 'GARBAGE GARBAGE\r\n\r\n' },
  { name: 'binary noise', bytes: () => Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 73 + 11) % 256)) },
  { name: 'HTTP/9.9', bytes: ({ host }) => req(['GET /health HTTP/9.9', `Host: ${host}`]) },
  { name: 'HTTP/1.0 without Host', bytes: () => req(['GET /health HTTP/1.0']) },
  { name: 'a space in a header name', bytes: ({ host }) => req(['GET /health HTTP/1.1', `Host: ${host}`, 'Bad Header: y']) },
  { name: 'a header without a colon', bytes: ({ host }) => req(['GET /health HTTP/1.1', `Host: ${host}`, 'NoColonHere']) },
  { name: 'a 20 KB header', bytes: ({ host }) => req(['GET /health HTTP/1.1', `Host: ${host}`, `X-Big: ${'a'.repeat(20_000)}`]) },
  { name: 'a 100 KB request target', bytes: ({ host }) => req([`GET /${'a'.repeat(100_000)} HTTP/1.1`, `Host: ${host}`]) },
  { name: 'NUL in the request target', bytes: ({ host }) => req(['GET /he\u0000alth HTTP/1.1', `Host: ${host}`]) },
  { name: 'request target *', bytes: ({ host }) => req(['OPTIONS * HTTP/1.1', `Host: ${host}`]) },
  { name: 'absolute-form target', bytes: ({ host }) => req(['GET http://evil.example/health HTTP/1.1', `Host: ${host}`]) },
  { name: 'a target without a slash', bytes: ({ host }) => req(['GET health HTTP/1.1', `Host: ${host}`]) },
  { name: 'percent-encoding that is not', bytes: ({ host, admin }) => req(['GET /cycles/%zz%/instances HTTP/1.1', `Host: ${host}`, `Authorization: Bearer ${admin}`]) },
  { name: 'an encoded slash and dot-dot', bytes: ({ host, admin }) => req(['GET /offices/..%2F..%2Fetc%2Fpasswd HTTP/1.1', `Host: ${host}`, `Authorization: Bearer ${admin}`]) },
  { name: 'a Host that is not a host', bytes: () => req(['GET /health HTTP/1.1', 'Host: [::1']) },
  { name: 'a Host with a path', bytes: () => req(['GET /health HTTP/1.1', 'Host: a/b?c#d']) },
  { name: 'two Host headers', bytes: ({ host }) => req(['GET /health HTTP/1.1', `Host: ${host}`, 'Host: other.example']) },
  { name: 'Latin-1 bytes in Authorization', bytes: ({ host }) => Buffer.concat([Buffer.from(`GET /packages HTTP/1.1${CRLF}Host: ${host}${CRLF}Authorization: Bearer `), Buffer.from([0xff, 0xfe, 0xe9]), Buffer.from(CRLF + CRLF)]) },
  { name: 'Content-Length longer than the body', bytes: ({ host }) => req(['POST /hooks/bnd_missing000000 HTTP/1.1', `Host: ${host}`, 'Content-Type: application/json', 'Content-Length: 1000'], '{"a":1}') },
  { name: 'Content-Length longer than the body, sender waits', keepOpen: true, bytes: ({ host }) => req(['POST /hooks/bnd_missing000000 HTTP/1.1', `Host: ${host}`, 'Content-Type: application/json', 'Content-Length: 1000'], '{"a":1}') },
  { name: 'Content-Length shorter than the body', bytes: ({ host }) => req(['POST /hooks/bnd_missing000000 HTTP/1.1', `Host: ${host}`, 'Content-Length: 2'], '{"a":1}') },
  { name: 'two different Content-Lengths', bytes: ({ host }) => req(['POST /hooks/bnd_missing000000 HTTP/1.1', `Host: ${host}`, 'Content-Length: 2', 'Content-Length: 7'], '{"a":1}') },
  { name: 'a negative Content-Length', bytes: ({ host }) => req(['POST /hooks/bnd_missing000000 HTTP/1.1', `Host: ${host}`, 'Content-Length: -5'], '{"a":1}') },
  { name: 'Content-Length and chunked together', bytes: ({ host }) => req(['POST /hooks/bnd_missing000000 HTTP/1.1', `Host: ${host}`, 'Content-Length: 7', 'Transfer-Encoding: chunked'], '7\r\n{"a":1}\r\n0\r\n\r\n') },
  { name: 'a chunk size that is not hex', bytes: ({ host }) => req(['POST /hooks/bnd_missing000000 HTTP/1.1', `Host: ${host}`, 'Transfer-Encoding: chunked'], 'zz\r\n{"a":1}\r\n0\r\n\r\n') },
  { name: 'chunked, cut off mid-chunk', bytes: ({ host }) => req(['POST /hooks/bnd_missing000000 HTTP/1.1', `Host: ${host}`, 'Transfer-Encoding: chunked'], 'ff\r\n{"a":1}') },
  { name: 'chunked, sender waits mid-chunk', keepOpen: true, bytes: ({ host }) => req(['POST /hooks/bnd_missing000000 HTTP/1.1', `Host: ${host}`, 'Transfer-Encoding: chunked'], 'ff\r\n{"a":1}') },
  { name: 'an unknown transfer coding', bytes: ({ host }) => req(['POST /hooks/bnd_missing000000 HTTP/1.1', `Host: ${host}`, 'Transfer-Encoding: gzip'], '{"a":1}') },
  { name: 'a 2 MB hook body with its length', bytes: ({ host }) => req(['POST /hooks/bnd_missing000000 HTTP/1.1', `Host: ${host}`, 'Content-Type: application/json', `Content-Length: ${2 * 1024 * 1024}`], 'x'.repeat(2 * 1024 * 1024)) },
  {
    name: 'a 2 MB hook body in chunks, no length',
    bytes: ({ host }) => req(['POST /hooks/bnd_missing000000 HTTP/1.1', `Host: ${host}`, 'Transfer-Encoding: chunked'], `${`10000\r\n${'x'.repeat(0x10000)}\r\n`.repeat(32)}0\r\n\r\n`),
  },
  { name: 'a gzip body that is not gzip', bytes: ({ host, admin }) => req(['POST /offices HTTP/1.1', `Host: ${host}`, `Authorization: Bearer ${admin}`, 'Content-Type: application/json', 'Content-Encoding: gzip', 'Content-Length: 7'], '{"a":1}') },
  { name: 'a body on a GET', bytes: ({ host, admin }) => req(['GET /packages HTTP/1.1', `Host: ${host}`, `Authorization: Bearer ${admin}`, 'Content-Length: 7'], '{"a":1}') },
  { name: 'Expect: 100-continue', bytes: ({ host }) => req(['POST /hooks/bnd_missing000000 HTTP/1.1', `Host: ${host}`, 'Expect: 100-continue', 'Content-Length: 7'], '{"a":1}') },
  { name: 'an unknown Expect', bytes: ({ host }) => req(['POST /hooks/bnd_missing000000 HTTP/1.1', `Host: ${host}`, 'Expect: the-unexpected', 'Content-Length: 7'], '{"a":1}') },
  { name: 'an Upgrade request', bytes: ({ host }) => req(['GET /health HTTP/1.1', `Host: ${host}`, 'Connection: Upgrade', 'Upgrade: websocket']) },
  { name: 'pipelined requests', bytes: ({ host }) => req(['GET /health HTTP/1.1', `Host: ${host}`]) + req(['GET /nowhere HTTP/1.1', `Host: ${host}`]) + req(['GET /health HTTP/1.1', `Host: ${host}`, 'Connection: close']) },
  { name: 'a method of 300 letters', bytes: ({ host }) => req([`${'X'.repeat(300)} /health HTTP/1.1`, `Host: ${host}`]) },
  { name: 'a lowercase method', bytes: ({ host }) => req(['get /health HTTP/1.1', `Host: ${host}`]) },
  { name: 'bare LF line ends', bytes: ({ host }) => `GET /health HTTP/1.1\nHost: ${host}\n\n` },
  { name: 'obsolete header folding', bytes: ({ host }) => req(['GET /health HTTP/1.1', `Host: ${host}`, 'X-Folded: a', ' b']) },
]

/** Sends one case and reads what comes back until the server closes or `waitMs` passes. */
export function sendRaw(port: number, bytes: string | Buffer, keepOpen: boolean, waitMs: number): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    let done = false
    const finish = (silent: boolean) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      const text = Buffer.concat(chunks).toString('latin1')
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]))
      resolve({ statuses, silent, head: text.slice(0, 300) })
    }
    const timer = setTimeout(() => finish(chunks.length === 0), waitMs)
    socket.on('data', (d) => chunks.push(d))
    socket.on('close', () => finish(false))
    socket.on('error', () => finish(false))
    socket.on('connect', () => {
      socket.write(bytes)
      if (!keepOpen) socket.end()
    })
  })
}
