import { describe, expect, it } from 'vitest';
import { parsePortArgs, parseWorkspaceArgs, portArg, sharingArg, workspaceArg } from './api-args.js';

describe('parseWorkspaceArgs', () => {
  it.each([
    [['list'], { verb: 'list', as: undefined, json: false }],
    [['list', '--json', '--as', 'alice'], { verb: 'list', as: 'alice', json: true }],
    [['create', 'dev'], { verb: 'create', name: 'dev', wait: false, as: undefined, json: false }],
    [['create', 'dev', '--wait'], { verb: 'create', name: 'dev', wait: true, as: undefined, json: false }],
    [
      ['create', 'dev', '--cpus', '2', '--memory', '4096'],
      { verb: 'create', name: 'dev', cpus: 2, memoryMiB: 4096, wait: false, as: undefined, json: false },
    ],
    [['start', 'dev'], { verb: 'start', workspace: 'dev', wait: false, as: undefined, json: false }],
    [
      ['stop', 'ws_abc123'],
      { verb: 'stop', workspace: 'ws_abc123', wait: false, as: undefined, json: false },
    ],
    [['suspend', 'dev'], { verb: 'suspend', workspace: 'dev', wait: false, as: undefined, json: false }],
    [
      ['delete', '--as', 'github.com/bob', 'dev'],
      { verb: 'delete', workspace: 'dev', wait: false, as: 'github.com/bob', json: false },
    ],
  ])('%j', (argv, expected) => {
    expect(parseWorkspaceArgs(argv)).toEqual(expected);
  });

  it.each([
    [[], /workspace needs one of list, create, start, stop, suspend, delete/],
    [['launch', 'dev'], /unknown workspace command "launch": one of list, create/],
    [['start'], /name the workspace/],
    [['create', 'Dev'], /invalid workspace name "Dev": .*lowercase/],
    [['create', 'ws_x'], /ws_ starts an id/],
    [['start', 'a', 'b'], /unexpected "b": rockpool workspace start NAME/],
    [['list', 'x'], /unexpected "x"/],
    [['create', 'dev', '--cpus', 'two'], /--cpus takes a whole number above 0 \(got "two"\)/],
    [['create', 'dev', '--memory', '0'], /--memory takes a whole number/],
    [['start', 'dev', '--cpus', '2'], /--cpus and --memory go with workspace create only/],
    [['list', '--wait'], /--wait goes with create, start, stop, suspend and delete/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseWorkspaceArgs(argv)).toThrow(message);
  });

  it('refuses an unknown flag (node:util parseArgs)', () => {
    expect(() => parseWorkspaceArgs(['list', '--idle-timeout', '5'])).toThrow(
      /Unknown option '--idle-timeout'/,
    );
  });
});

describe('parsePortArgs', () => {
  it.each([
    [['list', 'dev'], { verb: 'list', workspace: 'dev', as: undefined, json: false }],
    [['add', 'dev', '3000'], { verb: 'add', workspace: 'dev', port: 3000, as: undefined, json: false }],
    [
      ['add', 'dev', '3000', '--sharing', 'public', '--json'],
      { verb: 'add', workspace: 'dev', port: 3000, sharing: 'public', as: undefined, json: true },
    ],
    [
      ['share', 'dev', '65535', 'authenticated'],
      { verb: 'share', workspace: 'dev', port: 65535, sharing: 'authenticated', as: undefined, json: false },
    ],
    [['remove', 'dev', '1'], { verb: 'remove', workspace: 'dev', port: 1, as: undefined, json: false }],
  ])('%j', (argv, expected) => {
    expect(parsePortArgs(argv)).toEqual(expected);
  });

  it.each([
    [['open', 'dev'], /unknown port command "open": one of list, add, share, remove/],
    [['add', 'dev'], /name the port \(1-65535\)/],
    [
      ['add', 'dev', '3000', '--sharing', 'everyone'],
      /invalid sharing level "everyone": one of private, authenticated, public/,
    ],
    [['share', 'dev', '3000'], /name the sharing level: private, authenticated, public/],
    [['share', 'dev', '3000', 'team'], /invalid sharing level "team": one of private, authenticated, public/],
    [['remove', 'dev', '3000', 'extra'], /unexpected "extra": rockpool port remove WORKSPACE PORT/],
    [['share', 'dev', '3000', 'public', '--sharing', 'private'], /--sharing goes with port add/],
  ])('refuses %j', (argv, message) => {
    expect(() => parsePortArgs(argv)).toThrow(message);
  });
});

describe('argument checks', () => {
  it.each(['0', '65536', '99999', '08080', '80.5', '-1', '3e3', 'http', ''])('refuses the port %j', (raw) => {
    expect(() => portArg(raw)).toThrow(`invalid port ${JSON.stringify(raw)}: a port is 1-65535`);
  });

  it('takes a port, a level and a workspace as the API names them', () => {
    expect(portArg('8080')).toBe(8080);
    expect(sharingArg('private')).toBe('private');
    expect(workspaceArg('my-app-2')).toBe('my-app-2');
    expect(workspaceArg('ws_AbC9')).toBe('ws_AbC9');
  });

  it('says which check failed in its code', () => {
    expect(() => sharingArg('PUBLIC')).toThrow(expect.objectContaining({ code: 'invalid_sharing' }));
    expect(() => portArg('x')).toThrow(expect.objectContaining({ code: 'invalid_port' }));
    expect(() => workspaceArg('a_b')).toThrow(expect.objectContaining({ code: 'invalid_name' }));
  });
});
