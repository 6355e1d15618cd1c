import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CommonsynthError, fileSystemReason } from '../errors.js';
import { isProcessRunning } from '../process.js';

/**
 * Writes a file via a temporary sibling and a rename, so that a reader (or a re-run after a kill)
 * sees either the old file, or none, or the complete new one: never half a file. With `sync` the
 * data is flushed to disk before the rename, so that even a power cut cannot leave a renamed but
 * empty file (model packages ask for this).
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array,
  options: { sync?: boolean } = {},
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    if (options.sync) {
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } else {
      await writeFile(temp, data);
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Temporary files of writeFileAtomic: `.<name>.<pid>.<8 hex>.tmp`. */
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/**
 * Removes the temporary files that killed writers left in `dir` (those of processes that are no
 * longer running; a live writer's file is left alone). Returns how many were removed.
 */
export async function removeStaleTempFiles(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (match && !isProcessRunning(Number(match[1]))) {
      await rm(join(dir, name), { force: true });
      removed++;
    }
  }
  return removed;
}

/** A whole file, or a READ_FAILED error naming it and saying why in words (not a bare errno). */
export async function readFileNamed(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new CommonsynthError(
      'READ_FAILED',
      `${path}: cannot read file: ${fileSystemReason(error)}`,
      {
        file: path,
        cause: error,
      },
    );
  }
}
