/**
 * One writer per data folder. Two `curate`s on one --data used to crash one another: racing
 * schema creation ("table files already exists"), lock contention ("database is locked"), and
 * both writing the same `.partial` download (ENOENT when one renamed it under the other). The
 * second now stops at once with a message saying who holds the folder; a lock left by a killed
 * process (its pid no longer runs) is taken over, so a kill never blocks the next run.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CommonsynthError } from '../errors.js';
import { isProcessRunning } from '../process.js';

export const LOCK_FILE = 'curate.lock';

/** Another live process is curating into this data folder. */
export class DatasetLockedError extends CommonsynthError {
  readonly holderPid: number;
  constructor(dataDir: string, holderPid: number, since: string) {
    super(
      'DATASET_LOCKED',
      `${dataDir}: another curate (pid ${holderPid}, since ${since}) is working on this data folder; ` +
        `wait for it to finish, or remove ${join(dataDir, LOCK_FILE)} if no such process runs`,
      { file: join(dataDir, LOCK_FILE) },
    );
    this.holderPid = holderPid;
  }
}

interface LockRecord {
  pid: number;
  since: string;
}

function readLock(path: string): LockRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockRecord>;
    if (typeof record.pid === 'number' && typeof record.since === 'string') {
      return { pid: record.pid, since: record.since };
    }
  } catch {
    // Unreadable or half-written: a writer died between create and write. Treated as stale.
  }
  return undefined;
}

/**
 * Takes the data folder's lock (the folder must exist) and returns its release.
 * @throws DatasetLockedError when a live process holds it
 */
export function lockDataset(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      // O_EXCL: exactly one process creates the file, however many race for it.
      fd = openSync(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(path);
      if (holder !== undefined && holder.pid !== process.pid && isProcessRunning(holder.pid)) {
        throw new DatasetLockedError(dataDir, holder.pid, holder.since);
      }
      // Stale (its process is gone): remove it and race for it again.
      rmSync(path, { force: true });
      continue;
    }
    const record: LockRecord = { pid: process.pid, since: new Date().toISOString() };
    writeSync(fd, JSON.stringify(record));
    closeSync(fd);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Only our own lock: never one a later process took over.
      if (readLock(path)?.pid === process.pid) rmSync(path, { force: true });
    };
  }
  const holder = readLock(path);
  throw new DatasetLockedError(dataDir, holder?.pid ?? 0, holder?.since ?? 'unknown');
}
