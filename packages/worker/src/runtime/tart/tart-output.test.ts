import { describe, expect, it } from 'vitest';
import { classifyTartFailure, parseTartGet, parseTartList } from './tart-output.js';

/** `tart get --format json` as tart 2.x prints it (Swift JSONEncoder, .prettyPrinted). */
const GET = `{
  "OS" : "linux",
  "CPU" : 2,
  "Memory" : 4096,
  "Disk" : 50,
  "DiskFormat" : "raw",
  "Size" : "12.345",
  "Display" : "1024x768",
  "Running" : true,
  "State" : "running"
}`;

const LIST = `[
  {
    "Source" : "local",
    "Name" : "rockpool-base",
    "Disk" : 50,
    "Size" : 12,
    "Accessed" : "2025-05-01T10:00:00Z",
    "Running" : false,
    "State" : "stopped"
  },
  {
    "Source" : "local",
    "Name" : "rockpool-ws-alice",
    "Disk" : 50,
    "Size" : 13,
    "Accessed" : "2025-05-01T10:05:00Z",
    "Running" : false,
    "State" : "suspended"
  }
]`;

describe('tart output', () => {
  it.each([
    ['tart 2.x', GET, 'running'],
    ['a suspended VM', GET.replace('"running"', '"suspended"'), 'suspended'],
    ['tart before 1.8 (no State)', '{ "CPU" : 2, "Running" : false }', 'stopped'],
    ['tart before 1.8, running', '{ "CPU" : 2, "Running" : true }', 'running'],
  ])('reads the state from get (%s)', (_, stdout, state) => expect(parseTartGet(stdout)).toBe(state));

  it.each([
    ['an array', '[]'],
    ['an unknown State', '{ "State" : "paused" }'],
    ['no state at all', '{ "CPU" : 2 }'],
  ])('refuses a get output with %s', (_, stdout) => expect(() => parseTartGet(stdout)).toThrow(TypeError));

  it('reads names and states from list, including the empty list Swift prints as [\\n\\n]', () => {
    expect(parseTartList(LIST)).toEqual([
      { name: 'rockpool-base', source: 'local', state: 'stopped' },
      { name: 'rockpool-ws-alice', source: 'local', state: 'suspended' },
    ]);
    expect(parseTartList('[\n\n]\n')).toEqual([]);
    expect(parseTartList('')).toEqual([]);
    expect(() => parseTartList('{}')).toThrow(TypeError);
  });

  it.each([
    ['the specified VM "rockpool-ws-a" does not exist', 'vm_missing'],
    ['VM "rockpool-ws-a" is not running', 'not_running'],
    ['VM "rockpool-ws-a" is already running!', 'already_running'],
    ['no IP address found, is your VM running?', 'no_ip'],
    ['no IP address found', 'no_ip'],
    ['Error: the specified VM "rockpool-ws-a" does not exist', 'vm_missing'],
    ['The number of VMs exceeds the system limit (other running VMs: a, b)', 'vm_limit'],
    ['The number of VMs exceeds the system limit', 'vm_limit'],
    ['VM "rockpool-ws-a" is running', 'other'],
    ["Error: Unknown option '--bogus'", 'other'],
  ])('classifies "%s" as %s', (stderr, failure) => expect(classifyTartFailure(stderr)).toBe(failure));
});
