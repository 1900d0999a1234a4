import { describe, expect, it } from 'vitest';
import {
  isTartInstanceId,
  tartCloneArgs,
  tartDeleteArgs,
  tartDirArg,
  tartExecArgs,
  tartGetArgs,
  tartIpArgs,
  tartListArgs,
  tartRunArgs,
  tartSetArgs,
  tartStopArgs,
  tartVmName,
  workspaceOfTartVm,
} from './tart-args.js';

const share = { name: 'rockpool', path: '/state/alice/share', readOnly: true };

describe('tart argument builders', () => {
  it.each([
    [
      'clone',
      tartCloneArgs('rockpool-base', 'rockpool-ws-alice'),
      ['clone', 'rockpool-base', 'rockpool-ws-alice'],
    ],
    [
      'set',
      tartSetArgs('rockpool-ws-alice', { cpus: 2, memoryMiB: 4096 }),
      ['set', 'rockpool-ws-alice', '--cpu', '2', '--memory', '4096'],
    ],
    [
      'run with the workspace share',
      tartRunArgs('rockpool-ws-alice', { shares: [share], network: 'shared' }),
      ['run', 'rockpool-ws-alice', '--no-graphics', '--dir=rockpool:/state/alice/share:ro'],
    ],
    [
      'run isolated by softnet',
      tartRunArgs('vm', { shares: [share], network: 'softnet' }),
      ['run', 'vm', '--no-graphics', '--net-softnet', '--dir=rockpool:/state/alice/share:ro'],
    ],
    [
      'run without shares',
      tartRunArgs('vm', { shares: [], network: 'shared' }),
      ['run', 'vm', '--no-graphics'],
    ],
    ['exec sync', tartExecArgs('vm', ['sync']), ['exec', 'vm', 'sync']],
    ['ip', tartIpArgs('rockpool-ws-alice', 120), ['ip', 'rockpool-ws-alice', '--wait', '120']],
    ['ip without waiting', tartIpArgs('vm', 0), ['ip', 'vm', '--wait', '0']],
    ['stop', tartStopArgs('rockpool-ws-alice', 30), ['stop', 'rockpool-ws-alice', '--timeout', '30']],
    ['delete', tartDeleteArgs('rockpool-ws-alice'), ['delete', 'rockpool-ws-alice']],
    ['get', tartGetArgs('rockpool-ws-alice'), ['get', 'rockpool-ws-alice', '--format', 'json']],
    ['list', tartListArgs(), ['list', '--source', 'local', '--format', 'json']],
  ])('%s', (_, args, expected) => expect(args).toEqual(expected));

  it.each([
    ['a read-write share', { ...share, readOnly: false }, '--dir=rockpool:/state/alice/share'],
    ['a read-only share', share, '--dir=rockpool:/state/alice/share:ro'],
  ])('--dir for %s', (_, input, expected) => expect(tartDirArg(input)).toBe(expected));

  it.each([
    ['a relative path', { ...share, path: 'state/share' }, /must be absolute/],
    ['a path with ":" (tart splits name:path:options on it)', { ...share, path: '/a:b' }, /without ":"/],
    ['a path with "," (tart splits options on it)', { ...share, path: '/a,ro' }, /without ":" or ","/],
    ['a name with ":"', { ...share, name: 'a:b' }, /share name/],
    ['an empty name', { ...share, name: '' }, /share name/],
  ])('refuses %s', (_, input, error) => expect(() => tartDirArg(input)).toThrow(error));

  it.each([
    ['no CPUs', () => tartSetArgs('vm', { cpus: 0, memoryMiB: 1024 })],
    ['fractional memory', () => tartSetArgs('vm', { cpus: 1, memoryMiB: 1.5 })],
    ['a negative ip wait', () => tartIpArgs('vm', -1)],
    ['an ip wait beyond UInt16', () => tartIpArgs('vm', 65536)],
    ['a fractional stop timeout', () => tartStopArgs('vm', 0.5)],
    ['exec without a command', () => tartExecArgs('vm', [])],
  ])('refuses %s', (_, build) => expect(build).toThrow(RangeError));
});

describe('VM names', () => {
  it.each([
    ['alice', 'rockpool-a1b2c3-ws-alice'],
    ['base', 'rockpool-a1b2c3-ws-base'],
  ])('workspace %s is VM %s, and back', (workspace, vm) => {
    expect(tartVmName('a1b2c3', workspace)).toBe(vm);
    expect(workspaceOfTartVm('a1b2c3', vm)).toBe(workspace);
  });

  it.each([
    'rockpool-base',
    'ubuntu',
    'rockpool-a1b2c3-wsx',
    'rockpool-ws-alice', // no instance
    'rockpool-ffff00-ws-alice', // another instance's
  ])('%s belongs to no workspace of instance a1b2c3', (vm) =>
    expect(workspaceOfTartVm('a1b2c3', vm)).toBeUndefined(),
  );

  it.each(['', 'A1', 'a-b', 'a'.repeat(17), '../x'])('refuses instance id %j', (id) => {
    expect(isTartInstanceId(id)).toBe(false);
    expect(() => tartVmName(id, 'alice')).toThrow(RangeError);
  });
});
