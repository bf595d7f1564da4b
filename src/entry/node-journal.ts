/**
 * The write-ahead journal under nodeDocumentFiles: every document write is appended to it as one
 * record, and a write is acknowledged once its record is on disk. Concurrent writes share one
 * fdatasync (group commit): while a sync runs, new records wait and then go down together, so the
 * cost of durability is one sync per batch instead of several per write.
 *
 * A journal is a series of segment files `<seq>.log` in one folder; a checkpoint moves later records
 * to a new segment and drops the old ones once the documents hold what they held. A record is
 *   u32 payload length | u32 CRC-32 of the payload | payload = u32 path length, path, text (UTF-8)
 * little-endian. Reading stops at the end, at a zero length, or at the first record that is cut short
 * or fails its checksum: that is a batch whose sync never finished, so nobody was told it was
 * written, and nothing after it was written either (a batch is written only after the one before
 * it is synced).
 *
 * (Zero-filling segments ahead, so that a sync would not have to flush the file's size, was
 * measured here and did not pay: 175-260 ms to fill 16 MB, and no steady gain per sync for batches
 * of 64-256 KB.)
 */
import { mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'

export interface JournalRecord {
  path: string
  text: string
}

const HEADER = 8

/** Room a record may need: UTF-8 takes at most 3 bytes per UTF-16 code unit. */
const roomFor = (path: string, text: string) => HEADER + 4 + 3 * (path.length + text.length)

/** Writes the record at `at` in `buf` (which has roomFor it); returns where the next one goes. */
function encodeInto(buf: Buffer, at: number, path: string, text: string): number {
  const pathBytes = buf.write(path, at + HEADER + 4, 'utf8')
  const textBytes = buf.write(text, at + HEADER + 4 + pathBytes, 'utf8')
  const length = 4 + pathBytes + textBytes
  buf.writeUInt32LE(length, at)
  buf.writeUInt32LE(pathBytes, at + HEADER)
  buf.writeUInt32LE(crc32(buf.subarray(at + HEADER, at + HEADER + length)), at + 4)
  return at + HEADER + length
}

export function encodeRecord(path: string, text: string): Buffer {
  const buf = Buffer.alloc(roomFor(path, text))
  return buf.subarray(0, encodeInto(buf, 0, path, text))
}

/**
 * Walks the whole records at the start of `bytes`, calling `each` with a record's payload, where
 * it starts and its size. Returns where they end; `torn` is true when non-zero bytes follow them: a
 * batch cut short by a crash (or a damaged disk), which is ignored.
 */
function walkRecords(bytes: Buffer, each: (payload: Buffer, pathBytes: number, at: number, size: number) => void): { end: number; torn: boolean } {
  let pos = 0
  while (pos + HEADER <= bytes.length) {
    const length = bytes.readUInt32LE(pos)
    if (length === 0) break
    if (length < 4 || pos + HEADER + length > bytes.length) break
    const payload = bytes.subarray(pos + HEADER, pos + HEADER + length)
    if (crc32(payload) !== bytes.readUInt32LE(pos + 4)) break
    const pathBytes = payload.readUInt32LE(0)
    if (pathBytes === 0 || pathBytes > length - 4) break
    each(payload, pathBytes, pos, HEADER + length)
    pos += HEADER + length
  }
  let torn = false
  for (let i = pos; i < bytes.length; i++) {
    if (bytes[i] !== 0) {
      torn = true
      break
    }
  }
  return { end: pos, torn }
}

/** The whole records at the start of `bytes` (see walkRecords for `end` and `torn`). */
export function decodeRecords(bytes: Buffer): { records: JournalRecord[]; end: number; torn: boolean } {
  const records: JournalRecord[] = []
  const { end, torn } = walkRecords(bytes, (payload, pathBytes) => {
    records.push({ path: payload.toString('utf8', 4, 4 + pathBytes), text: payload.toString('utf8', 4 + pathBytes) })
  })
  return { records, end, torn }
}

/** Where each whole record at the start of `bytes` is, and its path, without decoding its text. */
export function recordSpans(bytes: Buffer): { spans: { path: string; at: number; size: number }[]; end: number; torn: boolean } {
  const spans: { path: string; at: number; size: number }[] = []
  const { end, torn } = walkRecords(bytes, (payload, pathBytes, at, size) => spans.push({ path: payload.toString('utf8', 4, 4 + pathBytes), at, size }))
  return { spans, end, torn }
}

const SEGMENT = /^(\d{12})\.log$/
const segmentName = (seq: number) => `${String(seq).padStart(12, '0')}.log`

/** Every record of every segment in `folder`, oldest first, and which segments there are. */
export async function readJournal(folder: string): Promise<{ seqs: number[]; records: JournalRecord[]; torn: number[] }> {
  let names: string[]
  try {
    names = await readdir(folder)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { seqs: [], records: [], torn: [] }
    throw e
  }
  const seqs = names.flatMap((n) => (SEGMENT.test(n) ? [Number(n.slice(0, 12))] : [])).sort((a, b) => a - b)
  const records: JournalRecord[] = []
  const torn: number[] = []
  for (const seq of seqs) {
    const read = decodeRecords(await readFile(join(folder, segmentName(seq))))
    for (const r of read.records) records.push(r)
    if (read.torn) torn.push(seq)
  }
  return { seqs, records, torn }
}

export async function removeSegments(folder: string, seqs: number[]): Promise<void> {
  for (const seq of seqs) await rm(join(folder, segmentName(seq)), { force: true })
}

/** Removes what is not a segment (nothing else belongs in the folder). */
export async function removeLeftovers(folder: string): Promise<void> {
  for (const name of await readdir(folder)) {
    if (!SEGMENT.test(name)) await rm(join(folder, name), { force: true, recursive: true })
  }
}

export async function syncFolder(dir: string): Promise<void> {
  // Some platforms (Windows) cannot open or fsync a folder; a rename is still atomic there.
  let handle: FileHandle
  try {
    handle = await open(dir, 'r')
  } catch {
    return
  }
  try {
    await handle.sync()
  } catch {
    /* best effort, as above */
  } finally {
    await handle.close()
  }
}

interface Segment {
  seq: number
  handle: FileHandle
  pos: number
}

interface Pending {
  path: string
  text: string
  done: () => void
  fail: (e: unknown) => void
}

export interface Journal {
  /** Appends a record; resolves once it is on disk, sharing one sync with every record appended meanwhile. */
  append(path: string, text: string): Promise<void>
  /** Bytes taken in the current segment. */
  readonly size: number
  /**
   * Sends later records to a new segment. Resolves, once every record appended before it is settled
   * (on disk or failed), with the seq of the new segment: the segments before it can be dropped
   * once what they hold is in the document files.
   */
  rotate(): Promise<number>
  /** Deletes the segments older than `seq`. */
  dropBefore(seq: number): Promise<void>
  /** Settles what was appended, then closes; later appends fail. `remove` deletes the segments too. */
  close(remove?: boolean): Promise<void>
  readonly stats: { syncs: number; records: number; bytes: number }
}

/** Starts a journal in `folder` (made if missing) whose first segment is `seq`. */
export async function openJournal(folder: string, seq: number): Promise<Journal> {
  await mkdir(folder, { recursive: true })

  async function createSegment(n: number): Promise<Segment> {
    const handle = await open(join(folder, segmentName(n)), 'w')
    try {
      // The name is made durable before the segment takes records: a record in a segment that a
      // restart cannot find would be lost. (An empty segment left by a crash is harmless.)
      await syncFolder(folder)
    } catch (e) {
      await handle.close().catch(() => undefined)
      throw e
    }
    return { seq: n, handle, pos: 0 }
  }

  let nextSeq = seq + 1
  let current: Promise<Segment> = createSegment(seq)
  await current
  // The one after is made ahead, so a rotation does not wait for its folder sync.
  let spare: { seq: number; made: Promise<Segment> } | null = null
  let currentSeq = seq
  const makeSpare = () => {
    const n = nextSeq++
    const made = createSegment(n)
    made.catch(() => undefined)
    spare = { seq: n, made }
  }
  makeSpare()
  const segments: Promise<Segment>[] = [current]

  let queue: Pending[] = []
  let writing: Promise<void> | null = null
  /** Settles with the last record appended. */
  let lastAppended: Promise<void> = Promise.resolve()
  let closed = false
  const stats = { syncs: 0, records: 0, bytes: 0 }
  let size = 0

  // A batch is encoded into one buffer, kept for the next batch (a buffer per record was a
  // noticeable share of the garbage collector's work under load).
  let scratch = Buffer.alloc(1 << 20)

  async function writeBatch(batch: Pending[]): Promise<void> {
    let segment: Segment
    try {
      segment = await current
      let room = 0
      for (const p of batch) room += roomFor(p.path, p.text)
      if (room > scratch.length) scratch = Buffer.alloc(Math.max(room, scratch.length * 2))
      let bytes = 0
      for (const p of batch) bytes = encodeInto(scratch, bytes, p.path, p.text)
      let written = 0
      while (written < bytes) {
        const { bytesWritten } = await segment.handle.write(scratch, written, bytes - written, segment.pos + written)
        if (bytesWritten === 0) throw new Error('the journal could not be written (no bytes taken)')
        written += bytesWritten
      }
      await segment.handle.datasync()
      // One huge batch (a roster of 10,000) should not keep its buffer for ever.
      if (scratch.length > 16 << 20) scratch = Buffer.alloc(1 << 20)
      segment.pos += bytes
      if (segment.seq === currentSeq) size = segment.pos
      stats.syncs++
      stats.records += batch.length
      stats.bytes += bytes
    } catch (e) {
      for (const p of batch) p.fail(e)
      // What the failed batch left in its segment is unknown: later records go to a fresh one.
      if (!closed) {
        current = nextSegment()
        current.catch(() => undefined)
      }
      return
    }
    for (const p of batch) p.done()
  }

  function pump(): void {
    if (writing || queue.length === 0) return
    const batch = queue
    queue = []
    writing = writeBatch(batch).finally(() => {
      writing = null
      pump()
    })
  }

  function nextSegment(): Promise<Segment> {
    if (!spare) makeSpare()
    const next = spare!
    spare = null
    if (!closed) makeSpare()
    currentSeq = next.seq
    segments.push(next.made)
    return next.made
  }

  async function settled(): Promise<void> {
    while (writing || queue.length > 0) {
      pump()
      await writing
    }
  }

  return {
    append(path: string, text: string): Promise<void> {
      if (closed) return Promise.reject(new Error('the journal is closed'))
      const appended = new Promise<void>((done, fail) => {
        queue.push({ path, text, done, fail })
        pump()
      })
      lastAppended = appended.catch(() => undefined)
      return appended
    },
    get size() {
      return size
    },
    async rotate() {
      const before = lastAppended
      current = nextSegment()
      current.catch(() => undefined)
      size = 0
      // Later batches go to the new segment (so may records appended before this that were still
      // waiting for the batch in flight); every record appended before is settled when this resolves.
      await before
      return (await current).seq
    },
    async dropBefore(n: number) {
      for (const s of [...segments]) {
        const segment = await s.catch(() => null)
        if (segment && segment.seq >= n) continue
        segments.splice(segments.indexOf(s), 1)
        if (!segment) continue
        await segment.handle.close().catch(() => undefined)
        await rm(join(folder, segmentName(segment.seq)), { force: true })
      }
    },
    async close(remove = false) {
      await settled()
      closed = true
      const unused = spare?.made
      spare = null
      for (const s of [...segments, ...(unused ? [unused] : [])]) {
        const segment = await s.catch(() => null)
        if (!segment) continue
        await segment.handle.close().catch(() => undefined)
        // The spare never took a record.
        if (remove || s === unused) await rm(join(folder, segmentName(segment.seq)), { force: true })
      }
    },
    stats,
  }
}
