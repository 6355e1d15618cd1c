/** ioredis connections for BullMQ, and the up-front reachability check. */
import { Redis, type RedisOptions } from 'ioredis';
import { CommonsynthError, describeError } from '../errors.js';
import { parseRedisUrl, type RedisTarget, redactSecret } from './url.js';

/** Redis did not answer at the queue URL (named without its password). */
export class RedisUnreachableError extends CommonsynthError {
  constructor(redacted: string, reason: string) {
    super('REDIS_UNREACHABLE', `cannot reach Redis at ${redacted}: ${reason}`, { file: redacted });
  }
}

/** Options BullMQ needs: blocking commands must not give up (maxRetriesPerRequest null). */
export function redisOptions(target: RedisTarget): RedisOptions {
  return {
    host: target.host,
    port: target.port,
    db: target.db,
    username: target.username,
    password: target.password,
    tls: target.tls ? { servername: target.host } : undefined,
    maxRetriesPerRequest: null,
    // Keep reconnecting through a Redis restart, at most 2 s apart.
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
}

/**
 * Pings Redis once with a short timeout and no retries, so an unreachable queue fails fast with
 * a clear error instead of ioredis retrying forever.
 */
export async function checkRedis(url: string, timeoutMs = 3000): Promise<RedisTarget> {
  const target = parseRedisUrl(url);
  const client = new Redis({
    ...redisOptions(target),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // Errors are reported through the ping below; an unhandled 'error' event would print the raw one.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return target;
  } catch (error) {
    throw new RedisUnreachableError(target.redacted, redactSecret(describeError(error), target));
  } finally {
    client.disconnect();
  }
}

/** A BullMQ connection; its errors are logged redacted by the owner, never printed raw. */
export function redisClient(target: RedisTarget, onError?: (message: string) => void): Redis {
  const client = new Redis(redisOptions(target));
  client.on('error', (error: Error) => onError?.(redactSecret(error.message, target)));
  return client;
}
