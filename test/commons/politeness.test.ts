import { describe, expect, it } from 'vitest';
import { resolveContact } from '../../src/commons/contact.js';
import { MissingContactError } from '../../src/commons/errors.js';
import {
  backoffDelay,
  bandwidthBucket,
  type Clock,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  Semaphore,
  SerialQueue,
  TokenBucket,
  userAgent,
  validateContact,
} from '../../src/commons/politeness.js';
import { VERSION } from '../../src/version.js';

/** A clock whose sleeps advance time instantly, recording them. */
function fakeClock(): Clock & { slept: number[] } {
  let time = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => time,
    sleep: async (ms) => {
      slept.push(ms);
      time += ms;
    },
  };
}

describe('Retry-After', () => {
  it('reads delta seconds and HTTP dates', () => {
    expect(parseRetryAfter('2', 0)).toBe(2000);
    expect(parseRetryAfter(' 0 ', 0)).toBe(0);
    const now = Date.parse('2024-05-01T12:00:00Z');
    expect(parseRetryAfter('Wed, 01 May 2024 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 01 May 2024 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('doubles per attempt, keeps half and jitters the other half, and is capped', () => {
    const at = (attempt: number, random: number) =>
      backoffDelay(attempt, {
        ...DEFAULT_RETRY_POLICY,
        baseDelayMs: 100,
        maxDelayMs: 1000,
        random: () => random,
      });
    expect([0, 1, 2, 3].map((a) => at(a, 0))).toEqual([50, 100, 200, 400]);
    expect([0, 1, 2, 3].map((a) => at(a, 0.999_999)).map(Math.round)).toEqual([100, 200, 400, 800]);
    expect(at(10, 0)).toBe(500);
    expect(Math.round(at(10, 0.999_999))).toBe(1000);
  });
});

describe('SerialQueue and Semaphore', () => {
  const tick = () => new Promise((r) => setTimeout(r, 5));

  it('SerialQueue runs one task at a time, in order, even when one fails', async () => {
    const queue = new SerialQueue();
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const tasks = [1, 2, 3, 4].map((n) =>
      queue.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await tick();
        order.push(n);
        running -= 1;
        if (n === 2) throw new Error('boom');
        return n;
      }),
    );
    const results = await Promise.allSettled(tasks);
    expect(peak).toBe(1);
    expect(order).toEqual([1, 2, 3, 4]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
  });

  it('Semaphore lets exactly `limit` tasks run at once', async () => {
    const semaphore = new Semaphore(2);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 7 }, () =>
        semaphore.run(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await tick();
          running -= 1;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});

describe('TokenBucket', () => {
  it('makes takers wait so that the rate is never exceeded beyond the burst', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(1000, 500, clock);
    for (let i = 0; i < 10; i++) await bucket.take(250);
    // 2500 bytes at 1000 B/s with 500 bytes of burst: 2 s of waiting in all.
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeCloseTo(2000, 6);
    expect(clock.now()).toBeCloseTo(2000, 6);
  });

  it('shares the rate between concurrent takers', async () => {
    // Time stands still while the three start together.
    const slept: number[] = [];
    const frozen: Clock = { now: () => 0, sleep: async (ms) => void slept.push(ms) };
    const bucket = new TokenBucket(1000, 0, frozen);
    await Promise.all([bucket.take(1000), bucket.take(1000), bucket.take(1000)]);
    // Each waits for its own bytes and those of the takers before it.
    expect(slept).toEqual([1000, 2000, 3000]);
  });

  it('converts megabits per second to bytes', () => {
    expect(bandwidthBucket(25).bytesPerSecond).toBe(3_125_000);
  });
});

describe('contact and User-Agent', () => {
  it('formats the User-Agent as commonsynth/<version> (<contact>)', () => {
    expect(userAgent('me@example.org')).toBe(`commonsynth/${VERSION} (me@example.org)`);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses a missing or unusable contact', () => {
    expect(() => validateContact(undefined)).toThrow(MissingContactError);
    expect(() => validateContact('   ')).toThrow(/contact is required/);
    expect(() => validateContact('bob')).toThrow(/not an e-mail address/);
    expect(() => validateContact('me@example.org\r\nX-Evil: 1')).toThrow(MissingContactError);
    expect(validateContact(' https://example.org/contact ')).toBe('https://example.org/contact');
    expect(validateContact('User:Example')).toBe('User:Example');
  });

  it('takes the flag, then COMMONSYNTH_CONTACT, then the config file', () => {
    const env = { COMMONSYNTH_CONTACT: 'env@example.org' };
    expect(resolveContact({ flag: 'flag@example.org', env, config: 'cfg@example.org' })).toBe(
      'flag@example.org',
    );
    expect(resolveContact({ env, config: 'cfg@example.org' })).toBe('env@example.org');
    expect(resolveContact({ env: {}, config: 'cfg@example.org' })).toBe('cfg@example.org');
    expect(() => resolveContact({ env: {} })).toThrow(MissingContactError);
  });
});
