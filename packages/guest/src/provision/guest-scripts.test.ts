import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * The guest's provisioning (scripts/guest) and the image builds that run it, checked with the real
 * tools: shellcheck, systemd-analyze, and rockpool-settings itself. The images themselves are proven
 * by the worker's QEMU VM suite (npm, code-server's flags and environment).
 */

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const has = (tool: string) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
const onLinux = process.platform === 'linux';
const tempDirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rockpool-guest-scripts-'));
  tempDirs.push(dir);
  return dir;
};

const SHELL_SCRIPTS = [
  'scripts/build-guest-image.sh',
  'scripts/build-tart-image.sh',
  'scripts/guest/provision.sh',
  'scripts/guest/rockpool-init',
  'scripts/guest/rockpool-code-server',
  'scripts/guest/rockpool-gate-secret',
];
const UNITS_DIR = 'scripts/guest/tart';
const units = readdirSync(join(ROOT, UNITS_DIR)).filter((f) => /\.(service|mount)$/.test(f));

/** The lines of a shell script that are not comments. */
const code = (path: string) =>
  read(path)
    .split('\n')
    .filter((line) => !/^\s*#/.test(line));

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('the guest scripts', () => {
  // scripts/test.sh installs shellcheck on Linux (CI too); elsewhere it may be missing.
  it.skipIf(!onLinux && !has('shellcheck'))('pass shellcheck (warnings and errors)', () => {
    const result = spawnSync('shellcheck', ['-S', 'warning', ...SHELL_SCRIPTS], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(result.error, 'shellcheck is not installed: apt-get install shellcheck').toBeUndefined();
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('compile the perl ones, without a warning (perl-base only: the modules they import are there)', () => {
    for (const script of ['scripts/guest/rockpool-restore-agent', 'scripts/guest/rockpool-settings']) {
      const result = spawnSync('perl', ['-c', script], { cwd: ROOT, encoding: 'utf8' });
      expect(result.stderr).toBe(`${script} syntax OK\n`);
    }
  });

  it('provision both images with one script: the QEMU build runs it in a chroot, the tart build over ssh', () => {
    expect(read('scripts/build-guest-image.sh')).toMatch(
      /chroot "\$work\/rootfs" \/bin\/sh \S+\/provision\.sh --flavor qemu/,
    );
    expect(read('scripts/build-tart-image.sh')).toMatch(
      /sh \/mnt\/build\/guest\/provision\.sh --flavor tart/,
    );
    // The tart build installs nothing itself: what the Mac runs, Linux ran first.
    for (const line of code('scripts/build-tart-image.sh'))
      expect(line).not.toMatch(/apt-get|apt install|\bnpm (install|ci)\b/);
    // Both image caches change when anything the guest gets changes.
    expect(read('scripts/build-guest-image.sh')).toMatch(
      /inputs=\$\(cat "\$0" "\$provision" "\$here"\/guest\/rockpool-\*/,
    );
    expect(read('scripts/build-tart-image.sh')).toMatch(
      /cat "\$0" "\$provision" \S+\/scripts\/guest\/rockpool-\* \S+\/scripts\/guest\/tart\/\*/,
    );
  });

  it("never use Debian's npm: npm and Node come from the npm registry (issue 18, defect 1)", () => {
    for (const script of SHELL_SCRIPTS)
      for (const line of code(script)) {
        expect(line, script).not.toContain('/usr/share/nodejs');
        if (/apt-get install|apt_install_missing|--include=/.test(line))
          expect(line, script).not.toMatch(/(^|[\s,])(npm|nodejs)([\s,]|$)/);
      }
    const provision = read('scripts/guest/provision.sh');
    expect(provision).toMatch(/fetch npm "\$NPM_VERSION"/);
    expect(provision).toMatch(/fetch "node-linux-\$node_arch" "\$NODE_VERSION"/);
    expect(provision).toMatch(/\[ "\$\(npm --version\)" = "\$NPM_VERSION" \]/);
  });

  it("give both guests the compilers, pkg-config and -dev headers code-server's native modules need (defect 8)", () => {
    const list = read('scripts/guest/provision.sh').match(/^PACKAGES='([^']*)'/m)?.[1] ?? '';
    const packages = list.split(/\s+/);
    for (const wanted of [
      'build-essential',
      'python3',
      'pkg-config',
      'libkrb5-dev',
      'libxkbfile-dev',
      'libsecret-1-dev',
      'libx11-dev',
    ])
      expect(packages).toContain(wanted);
  });

  it('run code-server without its own port proxy, in both guests (issue 14)', () => {
    expect(read('scripts/guest/rockpool-code-server')).toMatch(
      /^exec \/usr\/local\/bin\/code-server .*--disable-proxy/m,
    );
    expect(read('scripts/guest/rockpool-init')).toContain('/usr/local/sbin/rockpool-code-server');
    expect(read(`${UNITS_DIR}/rockpool-code-server.service`)).toContain(
      'ExecStart=/usr/local/sbin/rockpool-code-server\n',
    );
  });

  it('reach tart guests with ssh -o BatchMode=yes: a missing key fails at once, never prompts (defect 8)', () => {
    const fixtures = read('e2e/fixtures.ts');
    const sshCall = fixtures.slice(fixtures.indexOf("execFileAsync('ssh'"));
    expect(sshCall.slice(0, sshCall.indexOf(']'))).toContain("'BatchMode=yes'");
    expect(read('scripts/build-tart-image.sh')).toMatch(
      /^guest\(\) \{ ssh "\$\{ssh_opts\[@\]\}" -o BatchMode=yes /m,
    );
  });
});

describe("the tart guest's systemd units", () => {
  it('run one command per Exec line, none allowed to fail: a failed step stops the unit (defect 8)', () => {
    for (const unit of units)
      for (const line of read(`${UNITS_DIR}/${unit}`)
        .split('\n')
        .filter((l) => /^Exec\w*=/.test(l))) {
        const command = line.slice(line.indexOf('=') + 1);
        expect(command, `${unit}: ${line}`).toMatch(/^\//); // no -, @, ! or + prefix
        expect(command, `${unit}: ${line}`).not.toMatch(/;|&&|\|\||\bsh -\w*c\b/);
      }
  });

  it.skipIf(!onLinux)('pass systemd-analyze verify, with the programs provision.sh installs', () => {
    const root = tempDir();
    mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true });
    cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true });
    mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
    for (const unit of units) cpSync(join(ROOT, UNITS_DIR, unit), join(root, 'etc/systemd/system', unit));
    const installed = read('scripts/guest/provision.sh');
    for (const program of [
      '/usr/local/bin/node',
      '/usr/local/sbin/rockpool-settings',
      '/usr/local/sbin/rockpool-code-server',
    ]) {
      expect(installed).toContain(program.slice(program.lastIndexOf('/') + 1));
      mkdirSync(join(root, program, '..'), { recursive: true });
      writeFileSync(join(root, program), '#!/bin/sh\n');
      chmodSync(join(root, program), 0o755);
    }
    const result = spawnSync(
      'systemd-analyze',
      ['verify', `--root=${root}`, ...units.map((unit) => join(root, 'etc/systemd/system', unit))],
      { encoding: 'utf8' },
    );
    expect(result.error, 'systemd-analyze is not installed').toBeUndefined();
    // Its complaints about our units (an unknown key is only a warning); other systemd versions may
    // say things about the host's own units.
    expect(result.stderr.split('\n').filter((line) => units.some((unit) => line.includes(unit)))).toEqual([]);
    expect(result.status).toBe(0);
  });
});

// rockpool-settings writes /etc and the hostname: run it in its own mount and UTS namespaces, on a
// tmpfs /etc, so nothing of this machine changes (root on Linux only).
const isRoot = onLinux && process.getuid?.() === 0 && has('unshare');
describe.skipIf(!isRoot)('rockpool-settings (in a private mount and UTS namespace)', () => {
  const settings = join(ROOT, 'scripts/guest/rockpool-settings');
  const show =
    'for f in /etc/rockpool.env /etc/environment /etc/profile.d/rockpool.sh /etc/hostname; do echo "== $f"; cat "$f"; done && echo "== host" && cat /proc/sys/kernel/hostname';
  const onTmpfsEtc =
    'mount -t tmpfs none /etc && mkdir /etc/profile.d && printf "PATH=/usr/bin\\n" > /etc/environment';
  const apply = (file: string) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'workspace.env'), file);
    const script = `${onTmpfsEtc} && "$0" "$1" && ${show}`;
    return spawnSync('unshare', ['-m', '-u', 'sh', '-c', script, settings, join(dir, 'workspace.env')], {
      encoding: 'utf8',
    });
  };

  it('writes the same when loaded in a process (as rockpool-restore-agent does) as when run', () => {
    const script = `${onTmpfsEtc} && perl -e 'require $ARGV[0]; RockpoolSettings::apply("alice")' "$0" && ${show}`;
    const loaded = spawnSync('unshare', ['-m', '-u', 'sh', '-c', script, settings], { encoding: 'utf8' });
    expect(loaded.stderr).toBe('');
    expect(loaded.stdout).toBe(apply('ROCKPOOL_WORKSPACE_NAME=alice\n').stdout);
    expect(loaded.stdout).toContain('== host\nalice\n');
    // In the namespace too: a check that failed must not name this machine.
    const refused = spawnSync(
      'unshare',
      [
        '-m',
        '-u',
        'sh',
        '-c',
        `${onTmpfsEtc} && perl -e 'require $ARGV[0]; RockpoolSettings::apply("a-")' "$0"`,
        settings,
      ],
      { encoding: 'utf8' },
    );
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/must be a workspace name \(got 'a-'\)/);
  });

  it('applies the name and VS Code’s port links (./port/{{port}}/) to every login, and names the machine', () => {
    const uri = './port/{{port}}/';
    const result = apply('ROCKPOOL_WORKSPACE_NAME=alice\n');
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      [
        '== /etc/rockpool.env',
        'ROCKPOOL_WORKSPACE_NAME=alice',
        `VSCODE_PROXY_URI=${uri}`,
        '== /etc/environment',
        'PATH=/usr/bin',
        'ROCKPOOL_WORKSPACE_NAME=alice',
        `VSCODE_PROXY_URI=${uri}`,
        '== /etc/profile.d/rockpool.sh',
        "export ROCKPOOL_WORKSPACE_NAME='alice'",
        `export VSCODE_PROXY_URI='${uri}'`,
        '== /etc/hostname',
        'alice',
        '== host',
        'alice',
        '',
      ].join('\n'),
    );
  });

  it('refuses a missing or bad name and unknown keys (port links included), writing nothing', () => {
    for (const [file, error] of [
      ['# no name\n', /ROCKPOOL_WORKSPACE_NAME must be a workspace name \(got ''\)/],
      ['ROCKPOOL_WORKSPACE_NAME=Alice\n', /must be a workspace name \(got 'Alice'\)/],
      ['ROCKPOOL_WORKSPACE_NAME=a-\n', /must be a workspace name \(got 'a-'\)/],
      [`ROCKPOOL_WORKSPACE_NAME=${'a'.repeat(64)}\n`, /must be a workspace name/],
      ["ROCKPOOL_WORKSPACE_NAME=a$(id)'\n", /must be a workspace name/],
      [
        'ROCKPOOL_WORKSPACE_NAME=a\nVSCODE_PROXY_URI=https://a.example/\n',
        /unknown setting 'VSCODE_PROXY_URI'/,
      ],
      ['ROCKPOOL_WORKSPACE_NAME=a\nLD_PRELOAD=/x\n', /unknown setting 'LD_PRELOAD'/],
    ] as const) {
      const result = apply(file);
      expect(result.status, file).toBe(1);
      expect(result.stderr, file).toMatch(error);
      expect(result.stdout, file).toBe('');
    }
  });
});

describe.skipIf(!onLinux)('rockpool-gate-secret', () => {
  // The script writes /run/rockpool: a copy writes a temporary directory instead.
  const install = (input: string) => {
    const dir = tempDir();
    const script = read('scripts/guest/rockpool-gate-secret').replace('dir=/run/rockpool', `dir=${dir}/run`);
    writeFileSync(join(dir, 'install'), script);
    const result = spawnSync('sh', [join(dir, 'install')], { input, encoding: 'utf8' });
    const file = join(dir, 'run', 'gate-secret');
    const made = existsSync(file);
    return {
      ...result,
      secret: made ? readFileSync(file, 'utf8') : undefined,
      mode: made ? statSync(file).mode & 0o777 : undefined,
    };
  };

  it('installs a base64url secret from stdin as one line, readable by root only', () => {
    const secret = 'aB3_-'.repeat(9);
    const result = install(secret);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.secret).toBe(`${secret}\n`);
    expect(result.mode).toBe(0o600);
  });

  it('refuses a short secret, other characters or nothing, and installs nothing', () => {
    for (const input of ['short', `${'a'.repeat(40)}\r\n`, `${'a'.repeat(40)} b`, ''])
      expect(install(input), JSON.stringify(input)).toMatchObject({ status: 2, secret: undefined });
  });
});
