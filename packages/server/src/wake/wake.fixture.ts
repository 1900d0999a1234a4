import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EdgeSecurityOptions } from '@rockpool/caddy';
import { startTestEdge, type TestEdge } from '@rockpool/caddy/testing';
import { type Db, openDatabase, type Stores, storesOf, type Workspace } from '@rockpool/db';
import type { WorkspaceAddressing, WorkspaceState } from '@rockpool/model';
import { type RunningServer, startServer } from '../server.js';

/** The real Caddy in front of the real server and its wake handler, with the server's stores. */
export interface WakeStack {
  edge: TestEdge;
  stores: Stores;
  wakeSocket: string;
  /** A workspace of alice's in `state`, with its wake route in Caddy as the worker's route sync puts it. */
  sleeping(name: string, state: WorkspaceState, ports?: number[]): Promise<Workspace>;
  close(): Promise<void>;
}

export async function startWakeStack(options: {
  workspaces: WorkspaceAddressing;
  edge?: Omit<EdgeSecurityOptions, 'httpRedirectListen'>;
}): Promise<WakeStack> {
  const dir = mkdtempSync(join(tmpdir(), 'rockpool-wake-'));
  const socketPath = join(dir, 'server.sock');
  const wakeSocket = join(dir, 'wake.sock');
  let edge: TestEdge | undefined;
  let server: RunningServer | undefined;
  let db: Db | undefined;
  const close = async () => {
    db?.close();
    await server?.close();
    await edge?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    edge = await startTestEdge({
      controlPlaneUpstream: `unix/${socketPath}`,
      ...(options.edge ? { edge: options.edge } : {}),
    });
    server = await startServer({
      databaseFile: join(dir, 'rockpool.db'),
      socketPath,
      wakeSocket,
      limits: { defaultCpus: 1, maxCpus: 1, defaultMemoryMiB: 512, minMemoryMiB: 512, maxMemoryMiB: 512 },
      workspaces: options.workspaces,
    });
    db = openDatabase(join(dir, 'rockpool.db'));
  } catch (error) {
    await close();
    throw error;
  }
  const stores = storesOf(db);
  const router = edge.router;
  return {
    edge,
    stores,
    wakeSocket,
    async sleeping(name, state, ports = []) {
      const ws = stores.workspaces.insert({ name, cpus: 1, memoryMiB: 512, owner: 'alice' });
      stores.workspaces.transition(ws.id, ['creating'], {
        state,
        phase: state === 'stopped' ? 'stopped' : 'suspended',
      });
      await router.putWorkspace({
        name,
        upstream: `unix/${wakeSocket}`,
        gateSecret: stores.workspaces.wakeToken(ws.id) as string,
        // alice: whom edge.authHeader() signs in (the edge admits only the owner).
        owner: 'alice',
        ports: ports.map((port) => ({ port, sharing: 'private' as const })),
      });
      return ws;
    },
    close,
  };
}
