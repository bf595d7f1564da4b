/**
 * DocumentFiles on a Node data folder. Each write is durable and atomic: the JSON goes to a temp
 * file beside the target, is fsynced, then renamed over the target (and the folder is fsynced so
 * the rename survives a power cut). lowdb's own JSONFile does not fsync and pretty-prints, which
 * costs twice the time on big documents (see shared/toolchain.md, gotcha 13).
 */
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Adapter } from 'lowdb'
import { checkDocumentPath, type DocumentFiles } from '../store/document-files.ts'

// Temp files start with '.', so list() never mistakes one for a document.
let tempCounter = 0
const tempName = (file: string) => join(dirname(file), `.${file.split(/[\\/]/).pop()}.${process.pid}.${++tempCounter}.tmp`)

/** Folders known to exist: a mkdir per write is one more trip through libuv's small thread pool. */
const madeFolders = new Set<string>()

async function writeDurably(file: string, text: string): Promise<void> {
  const dir = dirname(file)
  if (!madeFolders.has(dir)) {
    await mkdir(dir, { recursive: true })
    madeFolders.add(dir)
  }
  const temp = tempName(file)
  try {
    const handle = await open(temp, 'w').catch(async (e: NodeJS.ErrnoException) => {
      // The folder was removed behind our back: make it again, once.
      if (e.code !== 'ENOENT') throw e
      await mkdir(dir, { recursive: true })
      return open(temp, 'w')
    })
    try {
      await handle.writeFile(text, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, file)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
  await syncFolder(dir)
}

/**
 * Group commit for folders: renames that finish while a folder fsync is waiting to start share
 * that one fsync. A caller always waits for an fsync that starts after its own rename, so each
 * rename is on disk when its write resolves; under concurrent deliveries this saves most of them.
 */
const waiting = new Map<string, Promise<void>>()
const running = new Map<string, Promise<void>>()

function syncFolder(dir: string): Promise<void> {
  const queued = waiting.get(dir)
  if (queued) return queued
  const next = (running.get(dir) ?? Promise.resolve()).then(() => {
    waiting.delete(dir)
    const sync = fsyncFolder(dir)
    running.set(dir, sync)
    return sync.finally(() => {
      if (running.get(dir) === sync) running.delete(dir)
    })
  })
  waiting.set(dir, next)
  return next
}

async function fsyncFolder(dir: string): Promise<void> {
  // Some platforms (Windows) cannot open or fsync a folder; the rename is still atomic there.
  try {
    const handle = await open(dir, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    /* best effort */
  }
}

const isMissing = (e: unknown) => {
  const code = (e as { code?: string }).code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

export function nodeDocumentFiles(dir: string): DocumentFiles {
  // path -> the last write issued to it; the next write (and any read) waits for it, so renames
  // over one file never race and a read sees every write issued before it.
  const tails = new Map<string, Promise<void>>()
  const settled = (p: Promise<void> | undefined) => (p ?? Promise.resolve()).catch(() => undefined)

  return {
    adapter<T>(path: string): Adapter<T> {
      const file = join(dir, ...checkDocumentPath(path))
      return {
        async read(): Promise<T | null> {
          await settled(tails.get(path))
          let text: string
          try {
            text = await readFile(file, 'utf8')
          } catch (e) {
            if (isMissing(e)) return null
            throw e
          }
          try {
            return JSON.parse(text) as T
          } catch (e) {
            throw new Error(`The document ${file} is not valid JSON`, { cause: e })
          }
        },
        write(data: T): Promise<void> {
          // Serialise now: the caller may change `data` once this returns. Compact, not pretty.
          const text = JSON.stringify(data)
          const tail = settled(tails.get(path)).then(() => writeDurably(file, text))
          tails.set(path, tail)
          const forget = () => {
            if (tails.get(path) === tail) tails.delete(path)
          }
          tail.then(forget, forget)
          return tail
        },
      }
    },
    async list(folder: string): Promise<string[]> {
      try {
        const entries = await readdir(join(dir, ...checkDocumentPath(folder)), { withFileTypes: true })
        return entries
          .filter((e) => e.isFile() && !e.name.startsWith('.'))
          .map((e) => e.name)
          .sort()
      } catch (e) {
        if (isMissing(e)) return []
        throw e
      }
    },
  }
}
