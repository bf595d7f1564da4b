/**
 * Packs: the documents of some folders (the webhook receipts: many, small, written once or twice,
 * read rarely) kept in a few append-only files per folder instead of one file each.
 *
 * Why: a checkpoint wrote one file per receipt, and creating a small file costs about 200-320 µs of
 * CPU on this machine's ext4 (temp file, write, close, rename), and packing the receipts took the
 * server's CPU per webhook delivery from 0.96 to 0.83 ms (bench/intake-profile.ts, side by side).
 * Appending a receipt to a pack costs a few microseconds, and a data folder of 100,000 receipts is a
 * handful of files to back up.
 *
 * A pack is `<folder>/.pack-<seq>.log`, records as in the journal (node-journal.ts: length, CRC-32,
 * path, text); the last record of a path wins. Packs are appended to only by a checkpoint, before
 * the file system sync that lets the journal behind it go, so a crash while appending leaves a
 * torn tail whose documents are still in the journal: the next writer cuts the tail off before it
 * appends, and replays the journal. Documents written one file each before packs existed are still
 * read; a newer packed version wins. (Dead versions are not compacted away: a receipt is usually
 * packed once, as its outcome reaches the checkpoint together with it.)
 */
import { mkdir, open, readdir, readFile, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { decodeRecords, encodeRecord, recordSpans } from './node-journal.ts'

/** A pack is closed for appends past this size (a scan at open reads them whole). */
const PACK_BYTES = 64 << 20
const PACK = /^\.pack-(\d{6})\.log$/
const packName = (seq: number) => `.pack-${String(seq).padStart(6, '0')}.log`

export interface Packs {
  /** Whether the documents of `folder` ('/'-separated, relative) live in packs. */
  holds(folder: string): boolean
  /** Whether the document at `path` lives in a pack (its folder's documents do). */
  holdsDocument(path: string): boolean
  /** The newest packed text of `path`, or undefined when no pack holds it. */
  read(path: string): Promise<string | undefined>
  /** The names of the documents packed in `folder`. */
  names(folder: string): Promise<string[]>
  /** Appends the documents (paths in packed folders); resolves with the pack files written. */
  append(docs: [path: string, text: string][]): Promise<string[]>
}

interface Where {
  file: string
  at: number
  size: number
}

interface FolderPacks {
  where: Map<string, Where>
  last: { seq: number; file: string; size: number } | null
}

const folderOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf('/')))
const nameOf = (path: string) => path.slice(path.lastIndexOf('/') + 1)

export function documentPacks(root: string, opts: { readOnly: boolean; holds: (folder: string) => boolean }): Packs {
  const folders = new Map<string, Promise<FolderPacks>>()
  const dirOf = (folder: string) => join(root, ...folder.split('/'))

  async function scan(folder: string): Promise<FolderPacks> {
    const dir = dirOf(folder)
    let names: string[]
    try {
      names = await readdir(dir)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
      names = []
    }
    const seqs = names.flatMap((n) => {
      const m = PACK.exec(n)
      return m ? [Number(m[1])] : []
    }).sort((a, b) => a - b)
    const state: FolderPacks = { where: new Map(), last: null }
    for (const seq of seqs) {
      const file = join(dir, packName(seq))
      const bytes = await readFile(file)
      const read = recordSpans(bytes)
      for (const span of read.spans) state.where.set(nameOf(span.path), { file, at: span.at, size: span.size })
      // A torn tail (a crash while appending) is cut off before anything follows it; its
      // documents are still in the journal, which is replayed.
      if (read.end < bytes.length && !opts.readOnly) await truncate(file, read.end)
      state.last = { seq, file, size: read.end }
    }
    return state
  }

  function stateOf(folder: string): Promise<FolderPacks> {
    let found = folders.get(folder)
    if (!found) {
      found = scan(folder)
      // A failed scan is tried again next time.
      found.catch(() => folders.delete(folder))
      folders.set(folder, found)
    }
    return found
  }

  async function appendTo(folder: string, docs: [string, string][]): Promise<string> {
    const state = await stateOf(folder)
    if (!state.last || state.last.size >= PACK_BYTES) {
      const seq = (state.last?.seq ?? 0) + 1
      state.last = { seq, file: join(dirOf(folder), packName(seq)), size: 0 }
    }
    const last = state.last
    const records = docs.map(([path, text]) => encodeRecord(path, text))
    const bytes = Buffer.concat(records)
    await mkdir(dirOf(folder), { recursive: true })
    const handle = await open(last.file, 'a')
    try {
      let written = 0
      while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written)).bytesWritten
    } finally {
      await handle.close()
    }
    let at = last.size
    docs.forEach(([path], i) => {
      const size = records[i]!.length
      state.where.set(nameOf(path), { file: last.file, at, size })
      at += size
    })
    last.size = at
    return last.file
  }

  return {
    holds: (folder) => opts.holds(folder),
    holdsDocument: (path) => opts.holds(folderOf(path)),
    async read(path) {
      const where = (await stateOf(folderOf(path))).where.get(nameOf(path))
      if (!where) return undefined
      const handle = await open(where.file, 'r')
      try {
        const buf = Buffer.alloc(where.size)
        await handle.read(buf, 0, where.size, where.at)
        const record = decodeRecords(buf).records[0]
        if (!record || record.path !== path) throw new Error(`The pack ${where.file} does not hold ${path} where its index says`)
        return record.text
      } finally {
        await handle.close()
      }
    },
    async names(folder) {
      return [...(await stateOf(folder)).where.keys()]
    },
    async append(docs) {
      if (docs.length === 0) return []
      if (opts.readOnly) throw new Error(`The data folder ${root} was opened read-only`)
      const byFolder = new Map<string, [string, string][]>()
      for (const doc of docs) {
        const folder = folderOf(doc[0])
        if (!byFolder.has(folder)) byFolder.set(folder, [])
        byFolder.get(folder)!.push(doc)
      }
      const written: string[] = []
      for (const [folder, list] of byFolder) {
        try {
          written.push(await appendTo(folder, list))
        } catch (e) {
          // What reached the pack is unknown: scan it again (and cut any torn tail) before more.
          folders.delete(folder)
          throw e
        }
      }
      return written
    },
  }
}
