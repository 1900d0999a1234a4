import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Wakes a waiter when the job store may have changed, so a new job is claimed at once. */
export interface StoreChanges {
  /** Resolves at the next change of the store (maybe one that is not a job), or after `ms`. */
  next(ms: number): Promise<void>;
  close(): void;
}

/**
 * Changes of the SQLite database `file` (and its `-wal` and `-journal`), as inotify reports them.
 * The control plane inserts a job from another process, and SQLite has no notifications: without
 * this, a job waited up to one poll interval (200 ms) before the worker saw it. Spurious wakes
 * (heartbeats, leases) only cost a claim that finds nothing.
 */
export function watchStoreChanges(file: string): StoreChanges {
  const name = basename(file);
  const waiters = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of waiters) wake();
    waiters.clear();
  };
  let watcher: FSWatcher | undefined = watch(dirname(file), (_event, changed) => {
    if (changed === null || changed.startsWith(name)) wakeAll();
  });
  // A directory that goes away (a test's temporary one) ends the watch; waiters fall back to time.
  watcher.on('error', () => {
    watcher?.close();
    watcher = undefined;
  });
  return {
    next(ms) {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        if (watcher) waiters.add(done);
      });
    },
    close() {
      watcher?.close();
      watcher = undefined;
      wakeAll();
    },
  };
}
