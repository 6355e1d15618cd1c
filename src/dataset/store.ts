/**
 * The content-addressed store: every file lives at store/<first two hex digits>/<sha1>.<ext>,
 * named only by its sha1 and an extension from a fixed MIME table. Titles, which may hold "/",
 * "..", unicode and spaces, never reach the file system.
 */
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { extensionForMime } from '../commons/media.js';
import { InvalidSha1Error, UnsafePathError } from './errors.js';

const SHA1 = /^[0-9a-f]{40}$/;

/** The sha1 in lower case; throws InvalidSha1Error unless it is 40 hex digits. */
export function assertSha1(sha1: string, context = 'sha1'): string {
  const lower = sha1.toLowerCase();
  if (!SHA1.test(lower)) throw new InvalidSha1Error(sha1, context);
  return lower;
}

export const STORE_DIR = 'store';
const PARTIAL_DIR = '.partial';

export class ContentStore {
  /** Absolute path of the data folder. */
  readonly dataDir: string;
  /** Absolute path of the store inside it. */
  readonly root: string;

  constructor(dataDir: string) {
    this.dataDir = resolve(dataDir);
    this.root = join(this.dataDir, STORE_DIR);
  }

  /** The path relative to the data folder (what the manifest records), with "/" separators. */
  relativePathFor(sha1: string, mime: string): string {
    const hex = assertSha1(sha1, 'store path');
    return `${STORE_DIR}/${hex.slice(0, 2)}/${hex}.${extensionForMime(mime)}`;
  }

  pathFor(sha1: string, mime: string): string {
    return this.resolve(this.relativePathFor(sha1, mime));
  }

  /** Where a partial download of `sha1` waits to be resumed. */
  tempPathFor(sha1: string): string {
    return join(this.root, PARTIAL_DIR, `${assertSha1(sha1, 'temporary path')}.part`);
  }

  /** An absolute path for a manifest path; refuses anything that would leave the data folder. */
  resolve(relativePath: string): string {
    const absolute = resolve(this.dataDir, relativePath);
    const rel = relative(this.dataDir, absolute);
    if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
      throw new UnsafePathError(relativePath, this.dataDir);
    }
    return absolute;
  }
}
