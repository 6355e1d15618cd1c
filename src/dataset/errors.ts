import { CommonsynthError } from '../errors.js';

/** The manifest cannot be opened, is from a newer commonsynth, or was asked something impossible. */
export class ManifestError extends CommonsynthError {
  constructor(file: string, problem: string, cause?: unknown) {
    super('MANIFEST', `${file}: ${problem}`, { file, cause });
  }
}

/** A sha1 that is not 40 hex digits (it would not be a safe store path). */
export class InvalidSha1Error extends CommonsynthError {
  constructor(sha1: string, context: string) {
    super('INVALID_SHA1', `${context}: "${sha1}" is not a sha1 (40 hex digits)`);
  }
}

/** A manifest path that would point outside the data folder. */
export class UnsafePathError extends CommonsynthError {
  constructor(path: string, dataDir: string) {
    super('UNSAFE_PATH', `${path}: outside the data folder ${dataDir}`, { file: path });
  }
}
