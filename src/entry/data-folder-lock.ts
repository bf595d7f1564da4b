/**
 * One server per data folder. The journal makes a second writer dangerous in a way the old
 * per-file writes were not: a second process opening the folder would replay and delete the
 * journal the first is still appending to (say, `npm start` run twice: the second opens the data
 * before it finds the port taken). So the writer holds `<data>/.lock` (its pid and, on Linux, the
 * process's start time, so a pid reused after a crash is not mistaken for the old owner). A lock
 * whose process is gone is taken over; a live one is refused with a message that says what to do.
 */
import { readFileSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

const LOCK = '.lock'

/** The start time of a process (clock ticks since boot), where /proc tells it. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

function holderAlive(pid: number, started: string | undefined): boolean {
  // Our own pid is this process (a second opener here takes over), or a pid that a restarted
  // container handed out again: either way no other process holds the folder.
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false
  try {
    process.kill(pid, 0)
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
  const now = startTime(pid)
  return now === undefined || !started || now === started
}

/** Takes the folder for this process, or throws when another live process has it. */
export async function lockDataFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  const file = join(dir, LOCK)
  const mine = `${process.pid} ${startTime(process.pid) ?? ''}\n`
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, mine, { flag: 'wx' })
      return
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
    const [pid, started] = (await readFile(file, 'utf8').catch(() => '')).trim().split(' ')
    if (holderAlive(Number(pid), started)) {
      throw new Error(`The data folder ${dir} is in use by process ${pid}: one server per data folder (stop that one, or give this one another KINERJA_DATA_DIR)`)
    }
    // Left by a process that is gone (a crash): take it over.
    await rm(file, { force: true })
  }
  throw new Error(`Could not take the lock of the data folder ${dir}`)
}

/** Gives the folder up (at a clean close), if this process still holds it. */
export async function unlockDataFolder(dir: string): Promise<void> {
  const file = join(dir, LOCK)
  const [pid] = (await readFile(file, 'utf8').catch(() => '')).trim().split(' ')
  if (Number(pid) === process.pid) await rm(file, { force: true })
}
