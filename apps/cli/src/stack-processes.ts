import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How `up` runs the server and the worker: the built packages (`rockpool up`), or their sources
 * (`rockpool dev`), each restarted by `tsx watch` when a file it imports changes, with the dashboard
 * from Vite's dev server.
 */
export type StackMode =
  | { kind: 'built'; entryPoints: { server: string; worker: string } }
  | { kind: 'dev'; tools: DevTools; vitePort: number };

/** Where the development tools live in a checkout. */
export interface DevTools {
  root: string;
  /** tsx's command line (`tsx/cli`). */
  tsx: string;
  /** Vite's command line, as the dashboard package installed it. */
  vite: string;
}

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  /** How long a stop may take before SIGKILL. */
  stopTimeoutMs?: number;
}

/**
 * The export condition under which the workspace packages resolve to their TypeScript sources
 * (see each package.json), so a change in `packages/db/src` reaches the server without a build.
 */
export const SOURCE_CONDITION = 'rockpool-source';

/** The processes `up` supervises besides Caddy. Pure: paths are resolved by the caller. */
export function stackProcesses(
  mode: StackMode,
  node = process.execPath,
): { server: ProcessSpec; worker: ProcessSpec; vite?: ProcessSpec } {
  // Stopping VMs takes a few seconds each.
  const workerStop = { stopTimeoutMs: 120_000 };
  if (mode.kind === 'built')
    return {
      server: { name: 'server', command: node, args: [mode.entryPoints.server] },
      worker: { name: 'worker', command: node, args: [mode.entryPoints.worker], ...workerStop },
    };
  const { root, tsx, vite } = mode.tools;
  const watch = (entry: string) => [
    tsx,
    'watch',
    '--clear-screen=false',
    `--conditions=${SOURCE_CONDITION}`,
    join(root, entry),
  ];
  return {
    server: { name: 'server', command: node, args: watch('packages/server/src/main.ts') },
    worker: { name: 'worker', command: node, args: watch('packages/worker/src/main.ts'), ...workerStop },
    vite: {
      name: 'vite',
      command: node,
      args: [
        vite,
        '--host',
        '127.0.0.1',
        '--port',
        String(mode.vitePort),
        '--strictPort',
        '--clearScreen',
        'false',
      ],
      cwd: join(root, 'packages', 'spa'),
    },
  };
}

/** The built entry points of the server and the worker, as this package resolves them. */
export function builtEntryPoints(): { server: string; worker: string } {
  const script = (name: string) => fileURLToPath(import.meta.resolve(name));
  return { server: script('@rockpool/server/main'), worker: script('@rockpool/worker/main') };
}

/** tsx and Vite as the checkout at `root` installed them (`pnpm install`). */
export function devTools(root: string): DevTools {
  const fromRoot = createRequire(join(root, 'package.json'));
  const fromSpa = createRequire(join(root, 'packages', 'spa', 'package.json'));
  const vitePackage = fromSpa.resolve('vite/package.json');
  return {
    root,
    tsx: fromRoot.resolve('tsx/cli'),
    vite: join(vitePackage, '..', 'bin', 'vite.js'),
  };
}
