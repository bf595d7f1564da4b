/**
 * Applies the SQL files of migrations/ to a D1 database through the D1 API alone, for tests and
 * local tools that have a D1 binding but no `wrangler d1 migrations apply`. It keeps wrangler's own
 * bookkeeping table (d1_migrations: id, name, applied_at), so either way of applying skips what
 * the other already did.
 */
import type { D1Database } from '@cloudflare/workers-types'

export interface Migration {
  /** The file name, e.g. "0001_init.sql" (what wrangler records). */
  name: string
  sql: string
}

/**
 * Splits SQL text into statements at the semicolons outside quotes and comments. Triggers
 * (BEGIN ... END bodies hold semicolons) are refused rather than split wrongly.
 */
export function splitSql(sql: string): string[] {
  const statements: string[] = []
  let current = ''
  let i = 0
  while (i < sql.length) {
    const c = sql[i]!
    if (c === "'" || c === '"' || c === '`') {
      // A quote inside is written twice ('it''s'), which this loop reads as two quoted runs.
      const end = sql.indexOf(c, i + 1)
      if (end < 0) throw new Error(`Unterminated ${c} quote in migration SQL`)
      current += sql.slice(i, end + 1)
      i = end + 1
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i)
      i = end < 0 ? sql.length : end
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2)
      if (end < 0) throw new Error('Unterminated /* comment in migration SQL')
      current += ' '
      i = end + 2
    } else if (c === ';') {
      if (current.trim()) statements.push(current.trim())
      current = ''
      i++
    } else {
      current += c
      i++
    }
  }
  if (current.trim()) statements.push(current.trim())
  const trigger = statements.find((s) => /^create\s+(temp\w*\s+)?trigger\b/i.test(s))
  if (trigger) throw new Error(`splitSql does not split trigger bodies: ${trigger.slice(0, 60)}...`)
  return statements
}

/**
 * Applies, in name order, each migration not yet recorded; each one is a single batch (one
 * transaction) together with its record. Returns the names applied now.
 */
export async function applyD1Migrations(db: D1Database, migrations: Migration[]): Promise<string[]> {
  await db
    .prepare(
      `CREATE TABLE IF NOT EXISTS d1_migrations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT UNIQUE,
        applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)`,
    )
    .run()
  const done = await db.prepare('SELECT name FROM d1_migrations').all<{ name: string }>()
  const applied = new Set(done.results.map((r) => r.name))
  const todo = [...migrations].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).filter((m) => !applied.has(m.name))
  for (const m of todo) {
    const statements = splitSql(m.sql).map((s) => db.prepare(s))
    await db.batch([...statements, db.prepare('INSERT INTO d1_migrations (name) VALUES (?)').bind(m.name)])
  }
  return todo.map((m) => m.name)
}
