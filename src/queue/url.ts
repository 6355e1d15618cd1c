/**
 * Redis URLs for the job queue: `redis://[[user]:password@]HOST:PORT[/db]` and `rediss://` (TLS).
 * The password is kept out of every message: `redactRedisUrl` is what logs and errors show.
 */
import { CommonsynthError } from '../errors.js';

export interface RedisTarget {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** The URL with its password replaced by `***`, for logs and errors. */
  redacted: string;
}

/** A queue URL that cannot be used (bad scheme, port or db). */
export class RedisUrlError extends CommonsynthError {
  constructor(redacted: string, reason: string) {
    super('REDIS_URL', `bad --queue URL ${redacted}: ${reason}`);
  }
}

/**
 * The URL with its password (and anything else between `//` and `@` after a colon) replaced by
 * `***`. Works on strings that do not parse as URLs too, so even a malformed URL is never echoed
 * with its secret.
 */
export function redactRedisUrl(url: string): string {
  // Any text before `://` counts as the scheme, so a mistyped one still gets its secret hidden.
  if (url.includes('://')) {
    return url.replace(/^(.*?:\/\/)([^@/]*)@/, (_m, scheme: string, auth: string) => {
      const colon = auth.indexOf(':');
      if (colon < 0) return `${scheme}***@`; // `redis://secret@host`: a bare password
      return `${scheme}${auth.slice(0, colon)}:***@`;
    });
  }
  // No scheme at all (`:secret@host:6379`): everything before the last `@` may be a secret.
  const at = url.lastIndexOf('@');
  return at < 0 ? url : `***${url.slice(at)}`;
}

/** Replaces every occurrence of the password in `text` (e.g. an ioredis message) by `***`. */
export function redactSecret(text: string, target: Pick<RedisTarget, 'password'>): string {
  const secret = target.password;
  if (!secret) return text;
  return text.split(secret).join('***').split(encodeURIComponent(secret)).join('***');
}

export function parseRedisUrl(url: string): RedisTarget {
  const redacted = redactRedisUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RedisUrlError(redacted, 'not a URL (redis://[:password@]HOST:PORT[/db])');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new RedisUrlError(
      redacted,
      `scheme must be redis:// or rediss://, not ${parsed.protocol}//`,
    );
  }
  if (parsed.hostname === '') throw new RedisUrlError(redacted, 'no host');
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RedisUrlError(redacted, `bad port ${parsed.port}`);
  }
  const path = parsed.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!/^\d*$/.test(path) || !Number.isInteger(db) || db > 15) {
    throw new RedisUrlError(redacted, `database must be a number 0-15, got ${path}`);
  }
  const username = parsed.username === '' ? undefined : decodeURIComponent(parsed.username);
  const password = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
  return {
    // `[::1]` comes back bracketed from URL; Node's socket wants the bare address.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    db,
    username: password === undefined && username !== undefined ? undefined : username,
    // `redis://secret@host` (no colon) is Redis's own shorthand for a password.
    password: password ?? (parsed.password === '' && username !== undefined ? username : undefined),
    tls: parsed.protocol === 'rediss:',
    redacted,
  };
}
