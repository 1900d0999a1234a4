import { randomBytes } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { RuntimeError } from '../vm-runtime.js';
import { isTartInstanceId } from './tart-args.js';

/**
 * This Rockpool instance's id, which its tart VM names carry (`tartVmPrefix`): `override`
 * (`ROCKPOOL_TART_INSTANCE`, e.g. a CI job's run id) when given, else the id kept in `file` in the
 * data directory, made on first use. Another data directory is another instance, with its own VMs.
 */
export async function tartInstanceId(file: string, override?: string): Promise<string> {
  if (override) {
    if (!isTartInstanceId(override))
      throw new RuntimeError(
        'runtime_unavailable',
        `ROCKPOOL_TART_INSTANCE must be 1-16 lowercase letters and digits (got ${JSON.stringify(override)})`,
      );
    return override;
  }
  // Written whole under another name, then linked into place: of two processes starting on one data
  // directory at once, the first link wins and neither can read a half-written file.
  const made = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(made, `${randomBytes(5).toString('hex')}\n`, { mode: 0o600 });
  try {
    await link(made, file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(made, { force: true });
  }
  const kept = (await readFile(file, 'utf8')).trim();
  if (!isTartInstanceId(kept))
    throw new RuntimeError(
      'runtime_unavailable',
      `${file} holds ${JSON.stringify(kept.slice(0, 40))}, not a tart instance id (1-16 lowercase letters and digits): restore it, or remove it only if this instance has no tart VMs left`,
    );
  return kept;
}
