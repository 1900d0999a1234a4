import type { Port, Workspace } from '@rockpool/model';
import { describe, expect, it } from 'vitest';
import { portTable, renderTable, workspaceTable } from './table.js';

const workspace = (name: string, state: Workspace['state'], owner: string, error: string | null = null) =>
  ({ name, state, owner, error, ideUrl: `https://ws.example/workspace/${name}/` }) as Workspace;

const port = (n: number, sharing: Port['sharing'], listening: boolean | null): Port => ({
  port: n,
  sharing,
  listening,
  url: `https://ws.example/workspace/dev/port/${n}/`,
  createdAt: '2026-11-30T00:00:00.000Z',
});

describe('renderTable', () => {
  it('aligns columns two spaces apart and never pads the last one', () => {
    expect(
      renderTable(
        ['A', 'LONGER'],
        [
          ['xyz', 'v'],
          ['x', 'w'],
        ],
      ),
    ).toBe('A    LONGER\nxyz  v\nx    w\n');
  });
});

describe('workspaceTable', () => {
  it('one workspace a line: name, state (with the reason of an error), owner, IDE URL', () => {
    expect(
      workspaceTable([
        workspace('alices', 'running', 'alice'),
        workspace('b', 'error', 'github.com/bob', 'the VM did not boot'),
      ]),
    ).toBe(
      [
        'NAME    STATE                       OWNER           IDE',
        'alices  running                     alice           https://ws.example/workspace/alices/',
        'b       error: the VM did not boot  github.com/bob  https://ws.example/workspace/b/',
        '',
      ].join('\n'),
    );
  });

  it('says how to make one when there is none', () => {
    expect(workspaceTable([])).toBe('No workspaces. Create one with `rockpool workspace create NAME`.\n');
  });
});

describe('portTable', () => {
  it('one port a line: port, sharing, listening (yes, no, unknown), URL', () => {
    expect(
      portTable('dev', [
        port(3000, 'private', true),
        port(8080, 'public', false),
        port(9, 'authenticated', null),
      ]),
    ).toBe(
      [
        'PORT  SHARING        LISTENING  URL',
        '3000  private        yes        https://ws.example/workspace/dev/port/3000/',
        '8080  public         no         https://ws.example/workspace/dev/port/8080/',
        '9     authenticated  unknown    https://ws.example/workspace/dev/port/9/',
        '',
      ].join('\n'),
    );
  });

  it('says how to add one when there is none', () => {
    expect(portTable('dev', [])).toBe('dev forwards no port. Add one with `rockpool port add dev PORT`.\n');
  });
});
