import { runApiSuite } from './hostile-api-suite.ts'
let lt = performance.now()
const t = Date.now()
try {
  const r = await runApiSuite({ runs: Number(process.env.RUNS ?? 50), caseMs: 5000, budgetMs: 60000, seed: process.env.SEED ? Number(process.env.SEED) : undefined }, (l) => { const n = performance.now(); if (process.env.V) console.log(Math.round(n - lt), l.slice(0, 300)); lt = n })
  console.log(JSON.stringify(r), Date.now() - t)
} catch (e) { console.log(String(e).slice(0, 8000)) }
