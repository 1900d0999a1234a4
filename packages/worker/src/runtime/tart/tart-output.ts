/**
 * What tart prints, as types and pure parsers. Shapes are read from tart's sources
 * (github.com/cirruslabs/tart): `Commands/Get.swift` and `Commands/List.swift` (`VMInfo`, rendered by
 * `Formatter/Format.swift` with Swift's pretty-printing JSONEncoder), and the messages of
 * `RuntimeError` in `VMStorageHelper.swift`, which tart prints alone on stderr.
 */

/** `VMDirectory.State`: running while `tart run` holds the lock on config.json. */
export type TartState = 'running' | 'suspended' | 'stopped';

/** `tart get <name> --format json` */
export interface TartGetOutput {
  OS: 'darwin' | 'linux';
  CPU: number;
  /** MiB */
  Memory: number;
  /** GB of the VM's files (config.json, disk.img, nvram.bin) summed, floored; not the disk's size */
  Disk: number;
  DiskFormat: string;
  /** Allocated GB, formatted "%.3f" */
  Size: string;
  Display: string;
  /** Kept for backwards compatibility; `State` says more. */
  Running: boolean;
  /** Since tart 1.8.0; older versions only have `Running`. */
  State: TartState;
}

/** One element of `tart list --format json` */
export interface TartListEntry {
  /** "local" or "OCI" */
  Source: string;
  Name: string;
  Disk: number;
  /** Allocated GB, an integer here (unlike `get`) */
  Size: number;
  /** ISO 8601 */
  Accessed: string;
  Running: boolean;
  State: TartState;
}

function stateOf(entry: { Running?: unknown; State?: unknown }, what: string): TartState {
  if (entry.State === 'running' || entry.State === 'suspended' || entry.State === 'stopped')
    return entry.State;
  if (entry.State === undefined && typeof entry.Running === 'boolean')
    return entry.Running ? 'running' : 'stopped';
  throw new TypeError(`${what}: unexpected State ${JSON.stringify(entry.State)}`);
}

/** The VM's state from `tart get --format json`. */
export function parseTartGet(stdout: string): TartState {
  const parsed: unknown = JSON.parse(stdout);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new TypeError(`tart get: expected a JSON object, got ${stdout.slice(0, 200)}`);
  return stateOf(parsed, 'tart get');
}

/** Names and states from `tart list --format json`. */
export function parseTartList(stdout: string): { name: string; source: string; state: TartState }[] {
  const parsed: unknown = JSON.parse(stdout.trim() || '[]');
  if (!Array.isArray(parsed))
    throw new TypeError(`tart list: expected a JSON array, got ${stdout.slice(0, 200)}`);
  return parsed.map((entry: Partial<TartListEntry>) => {
    if (typeof entry?.Name !== 'string') throw new TypeError(`tart list: an entry has no Name`);
    return { name: entry.Name, source: String(entry.Source), state: stateOf(entry, 'tart list') };
  });
}

/**
 * The failures Rockpool acts on, told apart by tart's messages (the exit code depends on where tart
 * threw: 2 for the first three from most commands, but `tart run` prints `Error: ` and exits 1 for a
 * missing VM, and always exits 1 once it holds the VM's lock): `VMDoesNotExist` "the specified VM "x"
 * does not exist", `VMNotRunning` "VM "x" is not running", `VMAlreadyRunning` "VM "x" is already
 * running!", `NoIPAddressFound` "no IP address found[, is your VM running?]", and
 * `VirtualMachineLimitExceeded` "The number of VMs exceeds the system limit[ (other running VMs: a, b)]"
 * (macOS runs at most two VMs at once).
 */
export type TartFailure = 'vm_missing' | 'not_running' | 'already_running' | 'no_ip' | 'vm_limit' | 'other';

export function classifyTartFailure(stderr: string): TartFailure {
  if (/the specified VM ".*" does not exist/.test(stderr)) return 'vm_missing';
  if (/VM ".*" is not running/.test(stderr)) return 'not_running';
  if (/VM ".*" is already running/.test(stderr)) return 'already_running';
  if (/no IP address found/.test(stderr)) return 'no_ip';
  if (/The number of VMs exceeds the system limit/.test(stderr)) return 'vm_limit';
  return 'other';
}
