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
