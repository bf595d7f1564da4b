/**
 * One-at-a-time work per key within this process. The store's rev check keeps two writers from
 * losing an update, but under a burst (hundreds of peers answering one appraisal at once) the
 * losers' retries would mostly lose again and end as "busy; try again". Queuing the work per key
 * lets each attempt start from the latest rev, so a burst is applied in order instead. Another
 * process (a second Worker isolate) still meets the rev check, which stays the guard.
 */
const queues = new WeakMap<object, Map<string, Promise<unknown>>>()

/** Runs `fn` after every earlier call for the same `owner` and `key` has settled. */
export function oneAtATime<T>(owner: object, key: string, fn: () => Promise<T>): Promise<T> {
  let byKey = queues.get(owner)
  if (!byKey) queues.set(owner, (byKey = new Map()))
  const run = (byKey.get(key) ?? Promise.resolve()).then(fn, fn)
  const tail: Promise<unknown> = run.then(
    () => undefined,
    () => undefined,
  )
  byKey.set(key, tail)
  // The map holds only keys with work waiting: the last one out removes its key.
  void tail.then(() => byKey.get(key) === tail && byKey.delete(key))
  return run
}
