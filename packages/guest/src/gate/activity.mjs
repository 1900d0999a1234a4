// What counts as the owner using the workspace, as the gate sees it: the worker suspends a
// workspace that has been idle for its timeout (see "Idle suspend" in the README).
//
// Active: an HTTP request that came through the edge, a WebSocket upgrade through the edge, or a
// WebSocket data frame from the browser that is not connection upkeep. code-server's VS Code keeps
// its WebSockets alive by itself, from an untouched tab: keep-alive and acknowledgement messages
// every few seconds, and, while the window has focus, a latency ping on its `telemetry` channel
// every minute. Those are upkeep. Frames to the browser never count (a build printing to a terminal
// nobody watches is idle). code-server's own heartbeat file does not help: code-server touches it
// every minute while any connection is open, so an untouched tab would never be idle.

/** VS Code's protocol (src/vs/base/parts/ipc/common/ipc.net.ts): every message has a 13-byte header. */
const VSCODE_HEADER_BYTES = 13;
/** Message types that only keep the connection going: Ack (3) and KeepAlive (9). */
const VSCODE_UPKEEP_TYPES = new Set([3, 9]);
/** A Regular (1) message on this channel is the latency ping (or telemetry, off by default). */
const VSCODE_REGULAR = 1;
const TELEMETRY_CHANNEL = Buffer.from('telemetry');
/** Upkeep frames are small; a bigger one is always activity, and only this much is looked at. */
const MAX_UPKEEP_FRAME = 512;

/**
 * Whether a browser→code-server WebSocket payload (unmasked, uncompressed) is only upkeep: a run of
 * VS Code messages that are keep-alives and acknowledgements without data, or latency pings.
 * @param {Buffer} payload
 */
export function isVscodeUpkeep(payload) {
  if (payload.length === 0 || payload.length > MAX_UPKEEP_FRAME) return false;
  let at = 0;
  while (at < payload.length) {
    if (payload.length - at < VSCODE_HEADER_BYTES) return false;
    const type = payload.readUInt8(at);
    const dataLength = payload.readUInt32BE(at + 9);
    const end = at + VSCODE_HEADER_BYTES + dataLength;
    if (end > payload.length) return false;
    const data = payload.subarray(at + VSCODE_HEADER_BYTES, end);
    const upkeep =
      (VSCODE_UPKEEP_TYPES.has(type) && dataLength === 0) ||
      (type === VSCODE_REGULAR && data.includes(TELEMETRY_CHANNEL));
    if (!upkeep) return false;
    at = end;
  }
  return true;
}

/** Data frame opcodes (RFC 6455 §5.2): continuation, text, binary. Control frames (8-10) never count. */
const DATA_OPCODES = new Set([0, 1, 2]);

/**
 * Reads the WebSocket frames a client sends (masked, RFC 6455 §5.2) from the bytes as they pass,
 * without changing or holding them, and calls `onFrame` with each frame's opcode and its unmasked
 * payload (at most `MAX_UPKEEP_FRAME + 1` bytes of it, enough to tell upkeep from activity).
 * @param {(opcode: number, payload: Buffer) => void} onFrame
 */
export function frameReader(onFrame) {
  /** @type {Buffer} */
  let pending = Buffer.alloc(0);
  /** @type {{ opcode: number, mask: Buffer | undefined, left: number, kept: Buffer[], keptBytes: number, offset: number } | undefined} */
  let frame;
  const keepLimit = MAX_UPKEEP_FRAME + 1;

  /** Parses one frame header from `pending`; false when it is not all there yet. */
  const readHeader = () => {
    if (pending.length < 2) return false;
    const opcode = pending.readUInt8(0) & 0x0f;
    const masked = (pending.readUInt8(1) & 0x80) !== 0;
    let length = pending.readUInt8(1) & 0x7f;
    let at = 2;
    if (length === 126) {
      if (pending.length < 4) return false;
      length = pending.readUInt16BE(2);
      at = 4;
    } else if (length === 127) {
      if (pending.length < 10) return false;
      length = Number(pending.readBigUInt64BE(2));
      at = 10;
    }
    if (pending.length < at + (masked ? 4 : 0)) return false;
    const mask = masked ? Buffer.from(pending.subarray(at, at + 4)) : undefined;
    pending = pending.subarray(at + (masked ? 4 : 0));
    frame = { opcode, mask, left: length, kept: [], keptBytes: 0, offset: 0 };
    return true;
  };

  const finish = () => {
    if (!frame) return;
    const payload = Buffer.concat(frame.kept);
    const { mask } = frame;
    if (mask)
      for (let i = 0; i < payload.length; i++)
        payload.writeUInt8(payload.readUInt8(i) ^ mask.readUInt8(i % 4), i);
    const { opcode } = frame;
    frame = undefined;
    onFrame(opcode, payload);
  };

  return {
    /** @param {Buffer} chunk */
    push(chunk) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (true) {
        if (!frame && !readHeader()) return;
        if (!frame) return;
        const take = Math.min(frame.left, pending.length);
        const keep = Math.min(take, keepLimit - frame.keptBytes);
        if (keep > 0) {
          frame.kept.push(Buffer.from(pending.subarray(0, keep)));
          frame.keptBytes += keep;
        }
        frame.left -= take;
        pending = pending.subarray(take);
        if (frame.left > 0) return;
        finish();
      }
    },
  };
}

/**
 * The gate's record of activity: when the owner last used the workspace, on a monotonic clock
 * (a guest's wall clock jumps after a resume; its monotonic clock does not count the suspend).
 * @param {() => number} [clock] Milliseconds on a monotonic clock; default performance.now.
 */
export function activityTracker(clock = () => performance.now()) {
  let last = clock();
  return {
    touch() {
      last = clock();
    },
    /** Milliseconds since the last activity (or since the gate started, if none). */
    idleMs() {
      return Math.max(0, Math.round(clock() - last));
    },
    /**
     * A reader of the browser's frames on one WebSocket that touches the tracker on activity:
     * for code-server, a data frame that is not VS Code upkeep; for an app's port, any data frame.
     * @param {'code-server' | 'port'} upstream
     */
    watchClientFrames(upstream) {
      return frameReader((opcode, payload) => {
        if (!DATA_OPCODES.has(opcode)) return;
        if (upstream === 'code-server' && opcode !== 0 && isVscodeUpkeep(payload)) return;
        last = clock();
      });
    },
  };
}
