import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Bytes the files directly in `dir` take on disk (allocated blocks, as du counts), or undefined without `dir`. */
export async function directoryBytes(dir: string): Promise<number | undefined> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return undefined;
  const sizes = await Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map((entry) =>
        stat(join(dir, entry.name)).then(
          (s) => s.blocks * 512,
          () => 0, // Removed between readdir and stat: it takes nothing.
        ),
      ),
  );
  return sizes.reduce((sum, size) => sum + size, 0);
}
