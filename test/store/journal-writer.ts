/**
 * A child process for node-journal.test.ts: writes documents through nodeDocumentFiles as fast as
 * it can, 20 at a time, with checkpoints every few kilobytes, and prints `<doc> <n>` each time the
 * write of value n to doc is acknowledged, until it is killed.
 *   node --import tsx test/store/journal-writer.ts <data dir>
 */
import { nodeDocumentFiles } from '../../src/entry/node-document-files.ts'

const files = nodeDocumentFiles(process.argv[2]!, { checkpointBytes: 32 * 1024 })
const DOCS = 40
// Sizes vary so that records straddle the file system's blocks.
const pad = (n: number) => 'x'.repeat((n * 37) % 3000)
let next = 0
const worker = async () => {
  for (;;) {
    const n = next++
    const doc = `docs/d${n % DOCS}.json`
    await files.adapter<{ n: number; pad: string }>(doc).write({ n, pad: pad(n) })
    process.stdout.write(`${doc} ${n}\n`)
  }
}
await Promise.all(Array.from({ length: 20 }, worker))
