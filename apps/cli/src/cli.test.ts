import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { COMMANDS, runCli } from './cli.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const output = new PassThrough();
  const errors = new PassThrough();
  let out = '';
  let err = '';
  output.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  errors.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  // No Caddy binary and no data dir: a command that ran instead of printing its help would fail.
  const io = { env: { ROCKPOOL_DATA_DIR: '/nonexistent/rockpool' }, input: new PassThrough(), output };
  const code = await runCli(argv, io, errors);
  return { code, out, err };
}

describe('rockpool', () => {
  it('--help lists every command there is', async () => {
    for (const argv of [[], ['--help'], ['-h'], ['help']]) {
      const { code, out } = await run(argv);
      expect(code).toBe(0);
      const listed = [...out.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1]);
      expect(listed).toEqual([...Object.keys(COMMANDS), 'help']);
    }
    expect(Object.keys(COMMANDS)).toEqual([
      'init',
      'up',
      'dev',
      'reconfigure',
      'gen-client-cert',
      'user',
      'workspace',
      'port',
      'status',
    ]);
  });

  it("<command> --help shows that command's usage and runs nothing", async () => {
    for (const name of Object.keys(COMMANDS))
      for (const argv of [
        [name, '--help'],
        [name, '-h'],
        ['help', name],
      ]) {
        const { code, out } = await run(argv);
        expect(code, argv.join(' ')).toBe(0);
        expect(out, argv.join(' ')).toMatch(new RegExp(`^Usage: rockpool ${name}\\b`));
      }
    expect((await run(['init', '--help'])).out).toContain('--access all|restrict-app|restrict-all|mtls-app');
  });

  it('ws is workspace: its help, and its commands', async () => {
    for (const argv of [
      ['ws', '--help'],
      ['help', 'ws'],
    ])
      expect((await run(argv)).out, argv.join(' ')).toMatch(/^Usage: rockpool workspace\b/);
    // Refused before any request: the data dir does not exist.
    await expect(run(['ws', 'start', 'Bad_Name'])).rejects.toThrow(/invalid workspace name "Bad_Name"/);
    await expect(run(['ws', 'list'])).rejects.toThrow(
      /Rockpool has never run with the data dir \/nonexistent/,
    );
  });

  it('workspace and port --help say who the command acts as, and the sharing levels', async () => {
    for (const name of ['workspace', 'port'])
      expect((await run([name, '--help'])).out).toMatch(/acts as the user --as names.*\n.*\n.*first admin/);
    expect((await run(['port', '--help'])).out).toContain(
      'Sharing levels (LEVEL): private, authenticated, public.',
    );
  });

  it('refuses an unknown command with exit status 2, naming it', async () => {
    const { code, out, err } = await run(['stauts']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^rockpool: unknown command "stauts"\n\nUsage: rockpool <command>/);
  });

  it('up refuses arguments it does not know instead of starting', async () => {
    await expect(run(['up', '--detach'])).rejects.toMatchObject({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
  });
});
