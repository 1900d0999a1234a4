#!/usr/bin/env node
import { CaddyAdminClient, readSessionSigningKey, WorkspaceRouter } from '@rockpool/caddy';
import { HeartbeatStore, JobQueue, openDatabase, PortStore, UserStore, WorkspaceStore } from '@rockpool/db';
import { ADMINS_SETTING, listSetting } from '@rockpool/model';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { EdgeAccounts } from './jobs/edge-accounts.js';
import { watchStoreChanges } from './jobs/store-changes.js';
import { Worker } from './jobs/worker.js';
import { createRuntime } from './runtime/create-runtime.js';

// Started by `rockpool up`; everything it needs comes from the environment.
const dataDir = process.env.ROCKPOOL_DATA_DIR;
if (!dataDir) {
  process.stderr.write('rockpool-worker: ROCKPOOL_DATA_DIR is required\n');
  process.exit(2);
}
const db = openDatabase(dataDirLayout(dataDir).database);
const runtime = await createRuntime(process.env, dataDir);
const admin = new CaddyAdminClient({ endpoint: `unix/${dataDirLayout(dataDir).caddyAdminSocket}` });
const log = (message: string) => process.stderr.write(`${message}\n`);
const storeChanges = watchStoreChanges(dataDirLayout(dataDir).database);
const worker = new Worker({
  workspaces: new WorkspaceStore(db),
  ports: new PortStore(db),
  jobs: new JobQueue(db),
  heartbeats: new HeartbeatStore(db),
  runtime,
  router: new WorkspaceRouter(admin),
  accounts: new EdgeAccounts(
    new UserStore(db),
    admin,
    () => readSessionSigningKey(dataDirLayout(dataDir).sessionSigningKey),
    log,
    { admins: listSetting(process.env, ADMINS_SETTING) },
  ),
  wakeUpstream: `unix/${dataDirLayout(dataDir).wakeSocket}`,
  storeChanges,
});
await worker.start();
process.stderr.write(`rockpool-worker: ${worker.id} running the ${runtime.kind} runtime\n`);
// A crash leaves VMs running (the next worker adopts them); a deliberate shutdown of the whole
// stack (`rockpool up` sets ROCKPOOL_STOP_VMS_ON_EXIT) stops them, and the next start boots the
// workspaces that were running again.
const stopVms = process.env.ROCKPOOL_STOP_VMS_ON_EXIT === '1';
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    void (async () => {
      await worker.stop();
      storeChanges.close();
      if (stopVms) {
        const names = await runtime.list();
        await Promise.allSettled(names.map((name) => runtime.stop(name)));
        process.stderr.write(`rockpool-worker: stopped ${names.length} VM(s)\n`);
      }
      db.close();
      process.exit(0);
    })();
  });
