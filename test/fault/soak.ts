/**
 * `npm run soak`: the crash scenario of crash-run.ts at length (never part of `npm test`). The real
 * Node server takes Kobo deliveries from many senders and is killed with SIGKILL at seeded random
 * moments, at least 20 times, restarted on the same data folder each time. Prints a line per kill
 * and a summary; exits 1 on any lost or doubled submission, corrupt file or stalled cycle.
 *
 *   npm run soak                        # 25 kills, a new seed
 *   npm run soak -- --kills 40 --seed 12345
 *   KINERJA_FAULT_SEED=12345 npm run soak
 */
import { parseArgs } from 'node:util'
import { crashRun } from './crash-run.ts'
import { seedFromEnv } from './random.ts'

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '25' },
    seed: { type: 'string' },
    employees: { type: 'string', default: '300' },
    senders: { type: 'string', default: '16' },
  },
})
const whole = (name: string, v: string | undefined, min: number) => {
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be a whole number of at least ${min}, not ${JSON.stringify(v)}`)
  return n
}
const kills = whole('kills', values.kills, 20)
const seed = values.seed !== undefined ? whole('seed', values.seed, 0) : seedFromEnv()
const employees = whole('employees', values.employees, 8)
const senders = whole('senders', values.senders, 1)

console.log(`soak: ${kills} SIGKILLs of the Node server under Kobo intake (${employees} employees, ${employees * 5} deliveries, ${senders} senders)`)
console.log(`seed ${seed} (npm run soak -- --seed ${seed} --kills ${kills} repeats it)`)
const report = await crashRun({ seed, kills, employees, senders, loadMs: [30, 600], log: (line) => console.log(line) })

console.log('')
console.log(`kills: ${report.kills} (${report.killsUnderLoad} with requests in flight)`)
console.log(`deliveries: ${report.deliveries}; acknowledged before the last kill: ${report.ackedBeforeLastKill}; requests cut off and re-sent: ${report.cutOff}`)
console.log(`documents parsed after kills: ${report.documentsChecked}`)
console.log(`time: ${(report.ms / 1000).toFixed(1)} s`)
if (report.problems.length) {
  console.log(`\nFAILED (seed ${seed}): ${report.problems.length} problem(s)`)
  for (const p of report.problems.slice(0, 50)) console.log(`- ${p}`)
  if (report.problems.length > 50) console.log(`... and ${report.problems.length - 50} more`)
  process.exit(1)
}
console.log('\nOK: every acknowledged submission present exactly once, no corrupt document, the cycle went on')
