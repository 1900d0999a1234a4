import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';

const here = dirname(fileURLToPath(import.meta.url));
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rockpool-db-open-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * This package's openDatabase as a CommonJS module other processes can load (this source,
 * transpiled; better-sqlite3 found through NODE_PATH), and a script that opens a file with it once
 * the given moment has come, so that every process opens at nearly the same time.
 */
function childScript(): { script: string; env: NodeJS.ProcessEnv } {
  const out = join(dir, 'lib');
  mkdirSync(out);
  for (const name of ['database', 'migrations']) {
    const source = readFileSync(join(here, `${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    writeFileSync(join(out, `${name}.js`), outputText);
  }
  const script = join(out, 'open.cjs');
  writeFileSync(
    script,
    `const { openDatabase } = require('./database.js');
const [file, at] = process.argv.slice(2);
setTimeout(() => openDatabase(file).close(), Math.max(0, Number(at) - Date.now()));
`,
  );
  return { script, env: { ...process.env, NODE_PATH: join(here, '..', 'node_modules') } };
}

describe('openDatabase', () => {
  it('opens one new file from several processes at once without "database is locked"', async () => {
    const { script, env } = childScript();
    // Several rounds: each is a race on a fresh file between processes starting in the same instant.
    for (let round = 0; round < 3; round++) {
      const file = join(dir, `race-${round}`, 'rockpool.db');
      const at = String(Date.now() + 1_500);
      const results = await Promise.all(
        Array.from(
          { length: 6 },
          () =>
            new Promise<{ code: number | null; stderr: string }>((resolve) => {
              const child = execFile(process.execPath, [script, file, at], { env }, (error, _out, stderr) =>
                resolve({ code: error ? (child.exitCode ?? 1) : 0, stderr }),
              );
            }),
        ),
      );
      expect(results.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([]);
      const db = openDatabase(file);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT count(*) AS n FROM workspaces').get()).toEqual({ n: 0 });
      db.close();
    }
  });

  it('keeps the database, its -wal and -shm private (0600), an old 0644 file included', () => {
    const file = join(dir, 'modes', 'rockpool.db');
    const db = openDatabase(file);
    db.prepare("INSERT INTO worker_heartbeats VALUES ('w', 1, 'qemu', 0)").run();
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect([mode(dirname(file)), mode(file), mode(`${file}-wal`), mode(`${file}-shm`)]).toEqual([
      0o700, 0o600, 0o600, 0o600,
    ]);
    db.close();
    chmodSync(file, 0o644);
    openDatabase(file).close();
    expect(mode(file)).toBe(0o600);
  });
});
