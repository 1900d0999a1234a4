// What counts as the owner using the workspace, as the gate sees it: the worker suspends a
// workspace that has been idle for its timeout (see "Idle suspend" in the README).
//
// An untouched VS Code tab talks to code-server all the time by itself (measured with code-server
// 4.139 through the edge): keep-alives and acknowledgements every few seconds, replies to the
// extension host, file events, file system calls (stat, readdir, writeFile of its own state every
// few seconds), telemetry and latency pings, and fetches of icons and scripts. None of that is the
// user. What the user does reaches code-server as a few kinds of calls, and only those count on the
// IDE's WebSocket: a keystroke in a terminal (`$input`), an edit in an editor
// (`$acceptModelChanged`), moving the cursor or scrolling in one (`$acceptEditorPropertiesChanged`),
// opening, closing or switching editors (`$acceptDocumentsAndEditorsDelta`), running an extension's
// command (`$executeContributedCommand`) and a text search (`$provideTextSearchResults`). On an app's
// port every request and every message from the browser counts. code-server's own heartbeat file
// does not help: code-server touches it every minute while any connection is open.

/** The calls that are the user's doing, as they appear (ASCII) in a VS Code message from the browser. */
export const VSCODE_USER_CALLS = [
  '$input',
  '$acceptModelChanged',
  '$acceptEditorPropertiesChanged',
  '$acceptDocumentsAndEditorsDelta',
  '$executeContributedCommand',
  '$provideTextSearchResults',
].map((name) => Buffer.from(name));
/** How much of a frame is looked at: a call's name comes within the first few dozen bytes. */
const MAX_LOOKED_AT = 512;

/**
 * Whether a browser→code-server WebSocket payload (unmasked, uncompressed, its first bytes) carries
 * one of the user's calls.
 * @param {Buffer} payload
 */
export function isVscodeUserInput(payload) {
  return VSCODE_USER_CALLS.some((name) => payload.includes(name));
}

/** Data frame opcodes (RFC 6455 §5.2): continuation, text, binary. Control frames (8-10) never count. */
const DATA_OPCODES = new Set([0, 1, 2]);

/**
 * Reads the WebSocket frames a client sends (masked, RFC 6455 §5.2) from the bytes as they pass,
 * without changing or holding them, and calls `onFrame` with each frame's opcode and its unmasked
 * payload (at most `MAX_LOOKED_AT` bytes of it, enough to find a call's name).
 * @param {(opcode: number, payload: Buffer) => void} onFrame
 */
export function frameReader(onFrame) {
  /** @type {Buffer} */
  let pending = Buffer.alloc(0);
  /** @type {{ opcode: number, mask: Buffer | undefined, left: number, kept: Buffer[], keptBytes: number, offset: number } | undefined} */
  let frame;
  const keepLimit = MAX_LOOKED_AT;

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
     * for code-server, a frame with one of the user's calls; for an app's port, any data frame.
     * @param {'code-server' | 'port'} upstream
     */
    watchClientFrames(upstream) {
      return frameReader((opcode, payload) => {
        if (!DATA_OPCODES.has(opcode)) return;
        if (upstream === 'code-server' && !isVscodeUserInput(payload)) return;
        last = clock();
      });
    },
  };
}

/**
 * Whether a plain HTTP request through the edge is activity: any to an app's port; to code-server
 * only one someone made, a page opened (`Sec-Fetch-Mode: navigate`) or a request from outside a
 * browser (no Sec-Fetch-Mode), not what VS Code's scripts fetch by themselves.
 * @param {'code-server' | 'port'} upstream
 * @param {string | undefined} fetchMode
 */
export function requestIsActivity(upstream, fetchMode) {
  return upstream === 'port' || fetchMode === undefined || fetchMode === 'navigate';
}
