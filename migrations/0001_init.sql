-- kinerja's store on D1 (src/store/d1-store.ts). Each record is kept whole as JSON in `doc`; the
-- other columns are copies of the fields the store's queries filter, sort or check on, written
-- together with `doc` by the same statement. Applied by `wrangler d1 migrations apply DB`
-- (migrations_dir = "migrations"), or in tests by applyD1Migrations (src/store/d1-migrations.ts).
-- Times used for "due" checks are epoch milliseconds (*_ms, from Date.parse) so they compare as
-- the memory driver compares them; the ISO text columns are only sort keys, as there.
-- No foreign keys: the store checks a record's cycle in the same statement that writes it, and
-- cycles are never deleted.

CREATE TABLE offices (
  id  TEXT PRIMARY KEY,
  doc TEXT NOT NULL
);

-- hash is unique: a key is found by the SHA-256 of its secret.
CREATE TABLE api_keys (
  id   TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  doc  TEXT NOT NULL
);

CREATE TABLE package_versions (
  id        TEXT NOT NULL,
  hash      TEXT NOT NULL,
  stored_at TEXT NOT NULL,
  doc       TEXT NOT NULL,
  PRIMARY KEY (id, hash)
);

CREATE TABLE cycles (
  id         TEXT PRIMARY KEY,
  office     TEXT NOT NULL,
  rev        INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  doc        TEXT NOT NULL
);
CREATE INDEX cycles_by_office ON cycles (office, created_at, id);

-- One row per employee; pos keeps the order the roster was imported in.
CREATE TABLE roster_entries (
  cycle TEXT NOT NULL,
  nip   TEXT NOT NULL,
  pos   INTEGER NOT NULL,
  doc   TEXT NOT NULL,
  PRIMARY KEY (cycle, nip)
);
CREATE INDEX roster_entries_in_order ON roster_entries (cycle, pos);

CREATE TABLE bindings (
  id         TEXT PRIMARY KEY,
  cycle      TEXT NOT NULL,
  created_at TEXT NOT NULL,
  doc        TEXT NOT NULL
);
CREATE INDEX bindings_by_cycle ON bindings (cycle, created_at, id);

-- due_ms: the earliest deadline or reminder time (null: none); held: messages still waiting in the
-- instance's own outbox; commit_id: the token of the commit that wrote this rev, so the events
-- of a commit are appended only when that commit's update is the one that applied.
CREATE TABLE instances (
  id        TEXT PRIMARY KEY,
  cycle     TEXT NOT NULL,
  rev       INTEGER NOT NULL,
  status    TEXT NOT NULL,
  state     TEXT NOT NULL,
  due_ms    INTEGER,
  held      INTEGER NOT NULL DEFAULT 0,
  commit_id TEXT NOT NULL,
  doc       TEXT NOT NULL
);
CREATE INDEX instances_by_cycle ON instances (cycle, state, status);
CREATE INDEX instances_due ON instances (due_ms) WHERE status = 'active';
CREATE INDEX instances_holding ON instances (held) WHERE held > 0;

CREATE TABLE instance_events (
  instance TEXT NOT NULL,
  seq      INTEGER NOT NULL,
  doc      TEXT NOT NULL,
  PRIMARY KEY (instance, seq)
);

-- The receipt id (binding + idempotency key) is the primary key: a delivery is stored once.
CREATE TABLE receipts (
  id          TEXT PRIMARY KEY,
  cycle       TEXT NOT NULL,
  status      TEXT NOT NULL,
  received_at TEXT NOT NULL,
  doc         TEXT NOT NULL
);
CREATE INDEX receipts_by_cycle ON receipts (cycle, received_at, id);
CREATE INDEX receipts_by_status ON receipts (cycle, status, received_at, id);

CREATE TABLE outbox (
  id              TEXT PRIMARY KEY,
  cycle           TEXT NOT NULL,
  status          TEXT NOT NULL,
  next_attempt_at TEXT NOT NULL,
  next_attempt_ms INTEGER,
  created_at      TEXT NOT NULL,
  doc             TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt_ms) WHERE status = 'pending';
CREATE INDEX outbox_by_cycle ON outbox (cycle, created_at, id);
