/**
 * The `rockpool` command as a new user gets it: scripts/run.sh's set-up step (the link into
 * ~/.local/bin) with a home of its own, then a fresh login shell with only that home, the PATH its
 * profile gives, and every `rockpool` example of the README typed as it stands there.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caddyBinaryForTests } from '@rockpool/caddy/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Debian's and Ubuntu's default profile: it adds ~/.local/bin to PATH when the directory exists. */
const SKEL_PROFILE = '/etc/skel/.profile';
let home: string;
let work: string;

function sh(script: string, env: NodeJS.ProcessEnv, cwd = root) {
  const result = spawnSync('bash', ['-c', script], { cwd, env, encoding: 'utf8' });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

/** A new login shell of the user: nothing from this process's environment but HOME. */
function loginShell(command: string) {
  const result = spawnSync('env', ['-i', `HOME=${home}`, 'TERM=dumb', 'bash', '-lc', command], {
    cwd: work,
    encoding: 'utf8',
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

beforeAll(() => {
  if (!existsSync(join(root, 'apps', 'cli', 'dist', 'main.js')))
    throw new Error('apps/cli is not built: run `pnpm turbo run build` first');
  home = mkdtempSync(join(tmpdir(), 'rockpool-home-'));
  work = join(home, 'work');
  mkdirSync(work);
  // The user's Node is on their PATH, however they installed it; then the distribution's profile.
  const skel = existsSync(SKEL_PROFILE)
    ? readFileSync(SKEL_PROFILE, 'utf8')
    : 'if [ -d "$HOME/.local/bin" ] ; then\n    PATH="$HOME/.local/bin:$PATH"\nfi\n';
  writeFileSync(join(home, '.profile'), `PATH="${dirname(process.execPath)}:$PATH"\n${skel}`);
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('the rockpool command', () => {
  it("scripts/run.sh's set-up step links it into ~/.local/bin and says how it gets on PATH", () => {
    const env = { HOME: home, PATH: '/usr/bin:/bin', ROCKPOOL_CADDY_BIN: caddyBinaryForTests() };
    const setUp = `ROCKPOOL_ROOT=${JSON.stringify(root)}
. scripts/lib/common.sh
. scripts/lib/command-link.sh
install_rockpool_command`;
    const first = sh(setUp, env);
    expect(first.code, first.err).toBe(0);
    const link = join(home, '.local', 'bin', 'rockpool');
    expect(readlinkSync(link)).toBe(join(root, 'bin', 'rockpool'));
    expect(first.err).toContain(
      `Installed the rockpool command: ${link} -> ${join(root, 'bin', 'rockpool')}`,
    );
    expect(first.err).toContain('your shell profile adds it at login');
    // Run again (every ./scripts/run.sh does): nothing to install, nothing said about it.
    const again = sh(setUp, { ...env, PATH: `${join(home, '.local', 'bin')}:/usr/bin:/bin` });
    expect(again).toMatchObject({ code: 0, err: '' });
    // ROCKPOOL_NO_LINK=1 leaves ~/.local/bin alone.
    const other = mkdtempSync(join(tmpdir(), 'rockpool-home-'));
    try {
      expect(sh(setUp, { ...env, HOME: other, ROCKPOOL_NO_LINK: '1' }).code).toBe(0);
      expect(existsSync(join(other, '.local', 'bin'))).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('a new login shell runs rockpool --help and rockpool status', () => {
    const help = loginShell('rockpool --help');
    expect(help.code, help.err).toBe(0);
    for (const command of ['init', 'up', 'reconfigure', 'gen-client-cert', 'status'])
      expect(help.out).toMatch(new RegExp(`^ {2}${command} `, 'm'));
    const status = loginShell('rockpool status');
    expect(status, 'exit status 3: not running').toMatchObject({ code: 3, err: '' });
    expect(status.out).toContain('Rockpool is not running (start it with `rockpool up`).');
    const unknown = loginShell('rockpool stauts');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('rockpool: unknown command "stauts"');
  });

  it('runs every rockpool example of the README as typed', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const examples = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
      .flatMap((block) => (block[1] as string).split('\n'))
      .filter((line) => line.startsWith('rockpool '));
    // `rockpool up` would start the whole stack: the e2e suite does that, through scripts/run.sh.
    expect(examples.filter((line) => line.startsWith('rockpool up'))).toEqual([]);
    expect(examples.length).toBeGreaterThanOrEqual(6);
    for (const example of examples) {
      const result = loginShell(example);
      const expected = example.startsWith('rockpool status') ? 3 : 0;
      expect(result.code, `${example}\n${result.out}${result.err}`).toBe(expected);
      expect(result.err, example).not.toMatch(/^rockpool: /m);
    }
    expect(existsSync(join(work, 'alice.p12'))).toBe(true);
    const status = loginShell('rockpool status --json');
    expect(JSON.parse(status.out)).toMatchObject({ running: false, tls: 'self-signed', access: 'mtls-app' });
  });
});
