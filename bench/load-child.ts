/**
 * The load generator of `npm run bench`, in a process of its own: autocannon 9 against one URL,
 * either for a duration (GET, the hello-world) or for exactly the deliveries given (each sent once,
 * in order, `connections` at a time). Prints one line of JSON: the rate and latency percentiles.
 *
 *   node load-child.mjs <spec.json>
 *
 * spec: { url, connections, duration?: seconds, deliveries?: Delivery[] }
 *
 * The rate is counted here, from the start to the last answer (autocannon reports its
 * result on its sampling tick, which would round a 1-3 s run up by up to a tick); latencies are
 * autocannon's per-request times, sorted here.
 */
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'
import type { Delivery } from './support.ts'

export interface LoadSpec {
  url: string
  connections: number
  duration?: number
  deliveries?: Delivery[]
}

export interface LoadOutcome {
  count: number
  seconds: number
  rps: number
  p50: number
  p99: number
  non2xx: number
  errors: number
  statuses: Record<string, number>
}

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadSpec
const deliveries = spec.deliveries
let next = 0
const latencies: number[] = []
const statuses: Record<string, number> = {}
let last = 0

// From here: connecting is part of a run (every connection is opened at the start).
const first = performance.now()
const options: autocannon.Options = {
  url: spec.url,
  connections: spec.connections,
  // A short sampling interval so the run ends right after its last answer.
  sampleInt: 10,
  ...(deliveries
    ? {
        amount: deliveries.length,
        requests: [
          {
            method: 'POST',
            // Called once per request sent (the first one when the connection is made).
            setupRequest: (req: any) => {
              const d = deliveries[next++]
              if (!d) throw new Error('more requests than deliveries')
              return { ...req, method: d.method ?? 'POST', path: d.path, headers: d.headers, body: d.body }
            },
          },
        ],
      }
    : { duration: spec.duration ?? 10 }),
}
const instance = autocannon(options, (err, result) => {
  if (err) throw err
  report(result)
})

instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
  last = performance.now()
  latencies.push(ms)
  statuses[status] = (statuses[status] ?? 0) + 1
})

function report(result: autocannon.Result) {
  latencies.sort((a, b) => a - b)
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 100) / 100
  const seconds = (last - first) / 1000
  const outcome: LoadOutcome = {
    count: latencies.length,
    seconds: Math.round(seconds * 1000) / 1000,
    rps: Math.round(latencies.length / seconds),
    p50: at(0.5),
    p99: at(0.99),
    non2xx: result.non2xx,
    errors: result.errors,
    statuses,
  }
  process.stdout.write(`${JSON.stringify(outcome)}\n`)
}
