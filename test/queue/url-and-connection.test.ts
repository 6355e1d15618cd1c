import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkRedis,
  parseRedisUrl,
  RedisUnreachableError,
  redactRedisUrl,
} from '../../src/queue/index.js';

const SECRET = 'hunter2-s3cr3t';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe('queue URLs', () => {
  it('parses host, port, db, password and TLS', () => {
    const t = parseRedisUrl(`rediss://:${SECRET}@example.org:6380/3`);
    expect(t).toMatchObject({
      host: 'example.org',
      port: 6380,
      db: 3,
      password: SECRET,
      tls: true,
    });
    expect(t.redacted).toBe('rediss://:***@example.org:6380/3');
    expect(parseRedisUrl('redis://127.0.0.1')).toMatchObject({ port: 6379, db: 0, tls: false });
    expect(parseRedisUrl('redis://[::1]:7000').host).toBe('::1');
  });

  it('refuses bad URLs without echoing the password', () => {
    for (const bad of [
      `http://:${SECRET}@h:1`,
      `redis://:${SECRET}@h:99999`,
      `redis://:${SECRET}@h:1/16`,
    ]) {
      let message = '';
      try {
        parseRedisUrl(bad);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/bad --queue URL/);
      expect(message).not.toContain(SECRET);
    }
    expect(redactRedisUrl(`not a url://:${SECRET}@h`)).not.toContain(SECRET);
    expect(redactRedisUrl(`:${SECRET}@h:6379`)).toBe('***@h:6379');
  });
});

describe('reaching Redis', () => {
  let redis: ChildProcess | undefined;
  let port = 0;
  beforeAll(async () => {
    port = await freePort();
    redis = spawn(
      'redis-server',
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--requirepass',
        SECRET,
      ],
      { stdio: 'ignore' },
    );
    // Wait until it answers.
    for (let i = 0; i < 50; i++) {
      try {
        await checkRedis(`redis://:${SECRET}@127.0.0.1:${port}`, 500);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  afterAll(() => {
    if (redis?.pid) process.kill(redis.pid, 'SIGTERM');
  });

  it('connects with the password', async () => {
    const target = await checkRedis(`redis://:${SECRET}@127.0.0.1:${port}`);
    expect(target.port).toBe(port);
  });

  it('names the URL, without the password, when the password is wrong or nothing listens', async () => {
    const closed = await freePort();
    for (const url of [
      `redis://:wrong-${SECRET}@127.0.0.1:${port}`,
      `redis://:${SECRET}@127.0.0.1:${closed}`,
    ]) {
      const error = await checkRedis(url, 1000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisUnreachableError);
      const message = (error as Error).message;
      expect(message).toContain('127.0.0.1');
      expect(message).toContain('***');
      expect(message).not.toContain(SECRET);
    }
  });
});
