/**
 * A crash, not a shutdown: SIGKILL to the whole process group of a server started by
 * node-server.ts (it runs detached, so its group is its pid). Nothing in the server gets to run:
 * no close handler, no flush.
 */
import type { ChildProcess } from 'node:child_process'

export async function killServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  process.kill(-child.pid!, 'SIGKILL')
  await exited
}
