import type Database from 'better-sqlite3';

type Migration = string | ((db: Database.Database) => void);

/**
 * SQLite cannot change a CHECK constraint in place: rebuild `workspaces` from its own definition
 * (with whatever columns earlier migrations gave it) with the state CHECK listing `states`, copy
 * the rows, and put its indexes and triggers back. Runs with foreign keys off (see migrate), so
 * dropping the old table deletes no ports or phases.
 */
function setWorkspaceStates(db: Database.Database, states: readonly string[]): void {
  const definition = (
    db.prepare(`SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'workspaces'`).get() as {
      sql: string;
    }
  ).sql;
  const check = /CHECK \(state IN \([^)]*\)\)/;
  if (!check.test(definition)) throw new Error('workspaces has no state CHECK to change');
  const companions = db
    .prepare(
      `SELECT sql FROM sqlite_schema WHERE tbl_name = 'workspaces' AND type IN ('index', 'trigger') AND sql IS NOT NULL`,
    )
    .all() as { sql: string }[];
  const list = states.map((state) => `'${state}'`).join(',');
  db.exec(
    definition
      .replace(/^CREATE TABLE workspaces\b/, 'CREATE TABLE workspaces_next')
      .replace(check, `CHECK (state IN (${list}))`),
  );
  db.exec(`INSERT INTO workspaces_next SELECT * FROM workspaces;
           DROP TABLE workspaces;
           ALTER TABLE workspaces_next RENAME TO workspaces;`);
  for (const { sql } of companions) db.exec(sql);
}

/** Append-only: each entry moves the schema one version up (PRAGMA user_version). */
const MIGRATIONS: Migration[] = [
  `
  CREATE TABLE workspaces (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    state       TEXT NOT NULL CHECK (state IN ('creating','starting','running','stopping','stopped','deleting','error')),
    phase       TEXT NOT NULL,
    cpus        INTEGER NOT NULL CHECK (cpus > 0),
    memory_mib  INTEGER NOT NULL CHECK (memory_mib > 0),
    error       TEXT,
    owner       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  );
  CREATE TABLE ports (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    port         INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, port)
  );
  CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id     TEXT NOT NULL,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL DEFAULT '{}',
    state            TEXT NOT NULL CHECK (state IN ('queued','running','done','failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL DEFAULT 3,
    run_after        INTEGER NOT NULL,
    lease_owner      TEXT,
    lease_expires_at INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
  );
  CREATE INDEX jobs_runnable ON jobs (state, run_after);
  CREATE INDEX jobs_workspace ON jobs (workspace_id, id);
  CREATE TABLE worker_heartbeats (
    worker_id TEXT PRIMARY KEY,
    pid       INTEGER NOT NULL,
    runtime   TEXT NOT NULL,
    beat_at   INTEGER NOT NULL
  );
  `,
  // Whether something answers on a forwarded port (null: not checked yet), for the dashboard.
  `
  ALTER TABLE ports ADD COLUMN listening INTEGER;
  ALTER TABLE ports ADD COLUMN checked_at TEXT;
  `,
  // When each phase began (the writer's own updated_at), for ready-time figures; kept by triggers.
  `
  CREATE TABLE workspace_phases (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    phase        TEXT NOT NULL,
    at           TEXT NOT NULL
  );
  CREATE INDEX workspace_phases_workspace ON workspace_phases (workspace_id);
  CREATE TRIGGER workspace_phase_inserted AFTER INSERT ON workspaces
  BEGIN INSERT INTO workspace_phases (workspace_id, phase, at) VALUES (NEW.id, NEW.phase, NEW.updated_at); END;
  CREATE TRIGGER workspace_phase_changed AFTER UPDATE OF phase ON workspaces WHEN NEW.phase IS NOT OLD.phase
  BEGIN INSERT INTO workspace_phases (workspace_id, phase, at) VALUES (NEW.id, NEW.phase, NEW.updated_at); END;
  `,
  // Caddy's access logs (srv0 and srv1), shipped to the control plane; pruned to a retention limit.
  `
  CREATE TABLE access_logs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ts          INTEGER NOT NULL,
    server      TEXT NOT NULL CHECK (server IN ('control-plane','workspaces')),
    method      TEXT NOT NULL,
    host        TEXT NOT NULL,
    path        TEXT NOT NULL,
    status      INTEGER NOT NULL,
    duration_ms REAL NOT NULL,
    size        INTEGER NOT NULL,
    user_id     TEXT,
    remote_ip   TEXT NOT NULL,
    user_agent  TEXT,
    workspace   TEXT
  );
  CREATE INDEX access_logs_ts ON access_logs (ts);
  `,
  // Basic-auth users and their roles (the first one, today's admin, is added by \`rockpool up\`).
  `
  CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('admin','member')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
  );
  CREATE INDEX workspaces_owner ON workspaces (owner, name);
  `,
  // Suspend with memory: the states suspending and suspended; what the user should know about the
  // last start or suspend (notice); the bytes the workspace takes on the host disk (disk_bytes).
  (db) => {
    setWorkspaceStates(db, [
      ...['creating', 'starting', 'running', 'stopping', 'stopped'],
      ...['suspending', 'suspended', 'deleting', 'error'],
    ]);
    db.exec(`ALTER TABLE workspaces ADD COLUMN notice TEXT;
             ALTER TABLE workspaces ADD COLUMN disk_bytes INTEGER;`);
  },
  // Port sharing levels (who may reach a forwarded port; existing ports stay owner-only), and the
  // owner whose IDE an admin opened, as the edge marks such a request in its access log.
  `
  ALTER TABLE ports ADD COLUMN sharing TEXT NOT NULL DEFAULT 'private'
    CHECK (sharing IN ('private','authenticated','public'));
  ALTER TABLE access_logs ADD COLUMN admin_access TEXT;
  `,
  // Create from a snapshot how the VM last came up.
  (db) => {
    db.exec(`ALTER TABLE workspaces ADD COLUMN boot_path TEXT
               CHECK (boot_path IS NULL OR boot_path IN ('snapshot', 'resumed', 'cold'));`);
  },
  // Sleep and wake: each workspace's idle timeout (minutes, 0 = never; 60 for existing ones), when
  // it was last active (null until it first runs), and the token its wake route carries (random,
  // 32 bytes, as hex for the rows that exist).
  `
  ALTER TABLE workspaces ADD COLUMN idle_timeout_minutes INTEGER NOT NULL DEFAULT 60 CHECK (idle_timeout_minutes >= 0);
  ALTER TABLE workspaces ADD COLUMN active_at TEXT;
  ALTER TABLE workspaces ADD COLUMN wake_token TEXT;
  UPDATE workspaces SET wake_token = lower(hex(randomblob(32)));
  `,
];

/**
 * Brings the schema up to date (or to version `target`, for tests of a migration). The server and
 * the worker may open a new file at the same moment: the version is read again inside a write
 * transaction (BEGIN IMMEDIATE, which waits for the other under busy_timeout), so only one of them
 * applies each migration. Foreign keys are off meanwhile, as SQLite's procedure for rebuilding a
 * table asks (the pragma is a no-op inside a transaction), and checked before the commit.
 */
export function migrate(db: Database.Database, target = MIGRATIONS.length): void {
  const schemaVersion = () => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length)
      throw new Error(
        `database schema version ${version} is newer than this Rockpool (${MIGRATIONS.length}); upgrade Rockpool`,
      );
    return version;
  };
  if (schemaVersion() >= target) return;
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      for (let version = schemaVersion(); version < target; version++) {
        const migration = MIGRATIONS[version] as Migration;
        if (typeof migration === 'string') db.exec(migration);
        else migration(db);
        db.pragma(`user_version = ${version + 1}`);
      }
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new Error(`migration broke ${broken.length} foreign key(s)`);
    }).immediate();
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
}
