import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { activityTracker, frameReader, isVscodeUserInput, requestIsActivity } from './activity.mjs';

/** One VS Code protocol message: type, id, ack, data length, data. */
function vscodeMessage(type: number, data = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(7, 1);
  header.writeUInt32BE(42, 5);
  header.writeUInt32BE(data.length, 9);
  return Buffer.concat([header, data]);
}

/** A frame as a browser sends it: FIN set, masked (RFC 6455 §5.2). */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const length =
    payload.length < 126
      ? Buffer.from([0x80 | payload.length])
      : payload.length < 65536
        ? Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff])
        : Buffer.concat([Buffer.from([0x80 | 127]), Buffer.from(new BigUint64Array([0n]).buffer)]);
  if (payload.length >= 65536) length.writeBigUInt64BE(BigInt(payload.length), 1);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] as number)));
  return Buffer.concat([Buffer.from([0x80 | opcode]), length, mask, masked]);
}

const KEEP_ALIVE = vscodeMessage(9);
const ACK = vscodeMessage(3);
/** An IPC call as VS Code's management connection sends it: header [100, id, channel, command], then the argument. */
const ipcCall = (channel: string, command: string, arg = '') =>
  vscodeMessage(
    1,
    Buffer.concat([
      Buffer.from([4, 4, 6, 100, 6, 1, 1, channel.length]),
      Buffer.from(channel),
      Buffer.from([1, command.length]),
      Buffer.from(command),
      Buffer.from(arg),
    ]),
  );
/** An RPC request to the extension host: type, id, method, arguments. */
const rpc = (method: string, args: string) =>
  vscodeMessage(
    1,
    Buffer.concat([Buffer.from([1, 0, 0, 0, 7, 102, method.length]), Buffer.from(method), Buffer.from(args)]),
  );

/** What an untouched tab sends by itself (seen through the edge with code-server 4.139). */
const BACKGROUND = [
  KEEP_ALIVE,
  Buffer.concat([ACK, KEEP_ALIVE]),
  ipcCall('telemetry', 'ping'),
  ipcCall('telemetry', 'logTelemetry', '{"eventName":"x"}'),
  ipcCall(
    'remoteFilesystem',
    'writeFile',
    '{"$mid":1,"path":"/home/coder/.local/share/code-server/User/state"}',
  ),
  ipcCall('remoteFilesystem', 'stat'),
  rpc('$onFileEvent', '[{"created":[],"changed":[]}]'),
  vscodeMessage(1, Buffer.from([5, 0, 0, 1, 154])), // an RPC acknowledgement
];
/** What the user's actions send. */
const USER = [
  ipcCall('remoteterminal', '$input', '[1,"e"]'),
  rpc('$acceptModelChanged', '[{"changes":[{"text":"a"}]}]'),
  rpc('$acceptEditorPropertiesChanged', '[{"selections":{}}]'),
  rpc('$acceptDocumentsAndEditorsDelta', '[{"addedDocuments":[]}]'),
];

describe('isVscodeUserInput', () => {
  it("takes an untouched tab's chatter as background", () => {
    for (const payload of BACKGROUND)
      expect(isVscodeUserInput(payload), payload.toString('latin1')).toBe(false);
  });

  it('takes a keystroke, an edit, a cursor move and a switch of editors as the user', () => {
    for (const payload of USER) expect(isVscodeUserInput(payload), payload.toString('latin1')).toBe(true);
    expect(isVscodeUserInput(Buffer.concat([ACK, USER[0] as Buffer]))).toBe(true);
  });
});

describe('requestIsActivity', () => {
  it("counts a page opened or a non-browser request to the IDE, not its scripts' fetches; anything to a port", () => {
    expect(requestIsActivity('code-server', 'navigate')).toBe(true);
    expect(requestIsActivity('code-server', undefined)).toBe(true);
    expect(requestIsActivity('code-server', 'no-cors')).toBe(false);
    expect(requestIsActivity('code-server', 'cors')).toBe(false);
    expect(requestIsActivity('port', 'cors')).toBe(true);
  });
});

describe('frameReader', () => {
  it('reads masked frames however the bytes are cut, 16- and 64-bit lengths included', () => {
    const frames: [number, string][] = [];
    const reader = frameReader((opcode, payload) => frames.push([opcode, payload.subarray(0, 5).toString()]));
    const big = Buffer.alloc(70_000, 'b');
    const stream = Buffer.concat([
      clientFrame(2, Buffer.from('hello')),
      clientFrame(9, Buffer.alloc(0)),
      clientFrame(1, Buffer.alloc(300, 'm')),
      clientFrame(2, big),
    ]);
    for (let at = 0; at < stream.length; at += 7) reader.push(stream.subarray(at, at + 7));
    expect(frames).toEqual([
      [2, 'hello'],
      [9, ''],
      [1, 'mmmmm'],
      [2, 'bbbbb'],
    ]);
  });
});

describe('activityTracker', () => {
  it('counts idle time from the last activity on its monotonic clock', () => {
    let now = 1_000;
    const tracker = activityTracker(() => now);
    now += 5_000;
    expect(tracker.idleMs()).toBe(5_000);
    tracker.touch();
    now += 2_000;
    expect(tracker.idleMs()).toBe(2_000);
  });

  it('on code-server, a keystroke is activity and background chatter is not; on a port, any data frame is', () => {
    let now = 0;
    const tracker = activityTracker(() => now);
    const ide = tracker.watchClientFrames('code-server');
    now = 60_000;
    for (const payload of BACKGROUND) ide.push(clientFrame(2, payload));
    ide.push(clientFrame(9, Buffer.from('ws ping')));
    expect(tracker.idleMs()).toBe(60_000);
    ide.push(clientFrame(2, USER[0] as Buffer));
    expect(tracker.idleMs()).toBe(0);

    now = 120_000;
    const app = tracker.watchClientFrames('port');
    app.push(clientFrame(10, Buffer.alloc(0)));
    expect(tracker.idleMs()).toBe(60_000);
    app.push(clientFrame(2, KEEP_ALIVE));
    expect(tracker.idleMs()).toBe(0);
  });
});
