#!/usr/bin/env node
// The `kinerja` command: runs the TypeScript CLI through tsx, so no build step is needed.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/entry/cli.ts')
process.exitCode = await main(process.argv.slice(2))
