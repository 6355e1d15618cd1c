import { CommonsynthError } from '../errors.js';

/** A Commons (MediaWiki) request failed for good: HTTP error, API error, or retries exhausted. */
export class CommonsRequestError extends CommonsynthError {
  /** HTTP status, when the failure was an HTTP response. */
  readonly status?: number;
  /** MediaWiki API error code (e.g. `badvalue`), when the API answered with an error. */
  readonly apiCode?: string;

  constructor(
    message: string,
    options: { url: string; status?: number; apiCode?: string; cause?: unknown },
  ) {
    super('COMMONS_REQUEST', message, { file: options.url, cause: options.cause });
    this.status = options.status;
    this.apiCode = options.apiCode;
  }
}

/** Wikimedia asks every client to say who runs it; we refuse to send requests without a contact. */
export class MissingContactError extends CommonsynthError {
  constructor(message: string) {
    super('CONTACT_REQUIRED', message);
  }
}

/** A config file (contact, themes) that cannot be read or has the wrong shape. */
export class ConfigError extends CommonsynthError {
  constructor(file: string, problem: string, cause?: unknown) {
    super('CONFIG', `${file}: ${problem}`, { file, cause });
  }
}
