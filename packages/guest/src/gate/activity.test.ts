import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { activityTracker, frameReader, isVscodeUpkeep } from './activity.mjs';

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
/** The IPC call VS Code's latency check makes: channel `telemetry`, command `ping`. */
const LATENCY_PING = vscodeMessage(1, Buffer.from('\x04\x64\x05\x09telemetry\x04ping\x00'));
/** What a keystroke in the editor sends the extension host. */
const KEYSTROKE = vscodeMessage(1, Buffer.from('$acceptModelChanged{"changes":[{"text":"a"}]}'));

describe('isVscodeUpkeep', () => {
  it('takes keep-alives, acknowledgements and latency pings, alone or together, as upkeep', () => {
    expect(isVscodeUpkeep(KEEP_ALIVE)).toBe(true);
    expect(isVscodeUpkeep(Buffer.concat([ACK, KEEP_ALIVE]))).toBe(true);
    expect(isVscodeUpkeep(LATENCY_PING)).toBe(true);
  });

  it('takes anything else as activity: a keystroke, one beside upkeep, a cut or odd payload', () => {
    expect(isVscodeUpkeep(KEYSTROKE)).toBe(false);
    expect(isVscodeUpkeep(Buffer.concat([ACK, KEYSTROKE]))).toBe(false);
    expect(isVscodeUpkeep(KEEP_ALIVE.subarray(0, 12))).toBe(false);
    expect(isVscodeUpkeep(vscodeMessage(9, Buffer.from('x')))).toBe(false);
    expect(isVscodeUpkeep(Buffer.alloc(0))).toBe(false);
    expect(
      isVscodeUpkeep(vscodeMessage(1, Buffer.concat([Buffer.from('telemetry'), Buffer.alloc(600)]))),
    ).toBe(false);
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

  it('on code-server, a keystroke is activity and VS Code upkeep is not; on a port, any data frame is', () => {
    let now = 0;
    const tracker = activityTracker(() => now);
    const ide = tracker.watchClientFrames('code-server');
    now = 60_000;
    ide.push(clientFrame(2, KEEP_ALIVE));
    ide.push(clientFrame(2, Buffer.concat([ACK, LATENCY_PING])));
    ide.push(clientFrame(9, Buffer.from('ws ping')));
    expect(tracker.idleMs()).toBe(60_000);
    ide.push(clientFrame(2, KEYSTROKE));
    expect(tracker.idleMs()).toBe(0);

    now = 120_000;
    const app = tracker.watchClientFrames('port');
    app.push(clientFrame(10, Buffer.alloc(0)));
    expect(tracker.idleMs()).toBe(60_000);
    app.push(clientFrame(2, KEEP_ALIVE));
    expect(tracker.idleMs()).toBe(0);
  });
});
