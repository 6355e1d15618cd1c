/**
 * Every error commonsynth raises on purpose is a CommonsynthError with a stable `code`,
 * so the CLI and batch jobs can report it clearly and library users can branch on it.
 */
export class CommonsynthError extends Error {
  readonly code: string;
  /** The file (or URL) the error is about, when there is one. */
  readonly file?: string;

  constructor(code: string, message: string, options?: { file?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.file = options?.file;
  }
}

/** Bad command-line usage or bad options passed to a library call. */
export class UsageError extends CommonsynthError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** A one-line description of any thrown value, for reports and summaries. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** What a failed file-system call means, in words, from its errno code (else its message). */
export function fileSystemReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const syscall = (error as NodeJS.ErrnoException | undefined)?.syscall;
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'ENOTDIR':
      return 'part of the path is a file, not a folder';
    case 'EEXIST':
      return syscall === 'mkdir'
        ? 'a file of that name is in the way of the folder'
        : 'it already exists';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    default:
      return describeError(error);
  }
}

/**
 * A file or folder could not be read or written. The message names the path the system call
 * failed on (which may be a parent folder of the file meant) and says why in words, instead of
 * Node's raw "EEXIST: file already exists, mkdir '…'".
 */
export class FileAccessError extends CommonsynthError {
  /** `action` (e.g. "read recipe") defaults to one named after the failed system call. */
  constructor(file: string, action: string | undefined, cause: unknown) {
    const errno = cause as NodeJS.ErrnoException | undefined;
    const path = errno?.path ?? file;
    action ??=
      errno?.syscall === 'mkdir'
        ? 'create folder'
        : ['open', 'read', 'stat', 'lstat', 'scandir', 'access'].includes(errno?.syscall ?? '')
          ? 'read'
          : 'write';
    super('FILE_ACCESS', `${path}: cannot ${action}: ${fileSystemReason(cause)}`, {
      file: path,
      cause,
    });
  }
}

/** Whether `error` is a failed Node file-system call (it carries an errno code). */
export function isFileSystemError(error: unknown): error is NodeJS.ErrnoException {
  return (
    error instanceof Error &&
    typeof (error as NodeJS.ErrnoException).code === 'string' &&
    typeof (error as NodeJS.ErrnoException).syscall === 'string'
  );
}
