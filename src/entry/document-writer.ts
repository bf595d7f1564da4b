/**
 * Writes a checkpoint's documents on a worker thread, each whole (temp file + rename, so a reader
 * never sees half a file), with synchronous file calls.
 *
 * Why a thread: a checkpoint writes a file per document changed since the last one (under webhook
 * load, one receipt and about one instance per delivery). Written from the main thread with
 * Node's asynchronous calls, the four calls per file (open, write, close, rename) took about a fifth
 * of the main thread while deliveries were arriving (bench/intake-profile.ts --prof); the requests
 * wait for the main thread, not for the disk. The worker's source is inline so the esbuild bundle
 * of the server (scripts/build-node.mjs) needs no second file.
 */
import { Worker } from 'node:worker_threads'

const SOURCE = `
const { parentPort } = require('node:worker_threads')
const fs = require('node:fs')
const { dirname } = require('node:path')
const made = new Set()
function writeWhole(file, temp, text) {
  const folder = dirname(file)
  if (!made.has(folder)) {
    fs.mkdirSync(folder, { recursive: true })
    made.add(folder)
  }
  try {
    try {
      fs.writeFileSync(temp, text)
    } catch (e) {
      // The folder was removed behind our back: make it again, once.
      if (e.code !== 'ENOENT') throw e
      fs.mkdirSync(folder, { recursive: true })
      fs.writeFileSync(temp, text)
    }
    fs.renameSync(temp, file)
  } catch (e) {
    fs.rmSync(temp, { force: true })
    throw e
  }
}
parentPort.on('message', ({ id, docs }) => {
  try {
    for (const [file, temp, text] of docs) writeWhole(file, temp, text)
    parentPort.postMessage({ id })
  } catch (e) {
    parentPort.postMessage({ id, error: { message: String(e && e.message), code: e && e.code } })
  }
})
`

export interface DocumentWriter {
  /** Writes each [file, temp file, text]; resolves once all are renamed into place (not synced). */
  write(docs: [string, string, string][]): Promise<void>
  close(): Promise<void>
}

export function documentWriter(): DocumentWriter {
  let worker: Worker | null = null
  let next = 0
  const waiting = new Map<number, { done: () => void; fail: (e: Error) => void }>()

  const failAll = (e: Error) => {
    for (const w of waiting.values()) w.fail(e)
    waiting.clear()
    worker = null
  }

  function start(): Worker {
    const w = new Worker(SOURCE, { eval: true })
    // Idle between checkpoints: it must not keep the process alive.
    w.unref()
    w.on('message', ({ id, error }: { id: number; error?: { message: string; code?: string } }) => {
      const entry = waiting.get(id)
      if (!entry) return
      waiting.delete(id)
      if (waiting.size === 0) w.unref()
      if (error) entry.fail(Object.assign(new Error(error.message), { code: error.code }))
      else entry.done()
    })
    w.on('error', (e) => failAll(e))
    w.on('exit', (code) => failAll(new Error(`the document writer stopped (exit code ${code})`)))
    return w
  }

  return {
    write(docs) {
      if (docs.length === 0) return Promise.resolve()
      const w = (worker ??= start())
      const id = ++next
      return new Promise<void>((done, fail) => {
        waiting.set(id, { done, fail })
        // Held while it works, so a shutdown waits for the files it is writing.
        w.ref()
        w.postMessage({ id, docs })
      })
    },
    async close() {
      const w = worker
      worker = null
      if (w) await w.terminate()
    },
  }
}
