/**
 * The politeness layer Wikimedia asks API clients for: an identifying User-Agent, waiting when
 * told to (Retry-After, maxlag), backing off exponentially with jitter, one API request at a
 * time, few parallel downloads and a bandwidth cap. Time is injectable so tests can observe it.
 */
import { VERSION } from '../version.js';
import { MissingContactError } from './errors.js';

/** Where time comes from; tests may pass a scaled or recording clock. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** First backoff delay; doubles with each failed attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Factor applied to server-requested waits (Retry-After, maxlag). 1 honours them exactly;
   * values below 1 exist only so that tests of unrelated behaviour stay fast.
   */
  retryAfterScale: number;
  /** Waited on a maxlag error when the server sends no Retry-After (Wikimedia sends 5). */
  defaultMaxlagWaitMs: number;
  /** Source of jitter in [0, 1). */
  random: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  retryAfterScale: 1,
  defaultMaxlagWaitMs: 5000,
  random: Math.random,
};

/**
 * Exponential backoff with "equal jitter": half the exponential delay is kept, the other half is
 * random, so retries from many clients spread out but never come back immediately.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return exponential / 2 + (exponential / 2) * policy.random();
}

/** Parses Retry-After (delta seconds or an HTTP date) into milliseconds; undefined when absent or invalid. */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number,
): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Runs tasks strictly one after another (the API's "one request at a time"). */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    // Keep the chain alive whatever the task's outcome.
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Lets at most `limit` tasks run at once; the rest wait in arrival order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`bad concurrency limit ${limit}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter, so `active` never overshoots.
      if (next) next();
      else this.active -= 1;
    }
  }
}

/**
 * A token bucket in bytes. Takers go into debt and wait it off, so concurrent downloads share
 * the rate fairly and the long-run throughput never exceeds it.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly bytesPerSecond: number,
    readonly capacityBytes: number,
    private readonly clock: Clock = realClock,
  ) {
    if (!(bytesPerSecond > 0)) throw new RangeError(`bad bandwidth ${bytesPerSecond} bytes/s`);
    this.tokens = capacityBytes;
    this.last = clock.now();
  }

  async take(bytes: number): Promise<void> {
    const now = this.clock.now();
    this.tokens = Math.min(
      this.capacityBytes,
      this.tokens + ((now - this.last) / 1000) * this.bytesPerSecond,
    );
    this.last = now;
    this.tokens -= bytes;
    if (this.tokens < 0) await this.clock.sleep((-this.tokens / this.bytesPerSecond) * 1000);
  }
}

/** A bucket for a cap given in megabits per second (Wikimedia's guidance is in bits). */
export function bandwidthBucket(megabitsPerSecond: number, clock: Clock = realClock): TokenBucket {
  const bytesPerSecond = (megabitsPerSecond * 1_000_000) / 8;
  // A quarter second of burst keeps small files quick without breaking the average.
  return new TokenBucket(bytesPerSecond, Math.max(64 * 1024, bytesPerSecond / 4), clock);
}

export const DEFAULT_BANDWIDTH_MBPS = 25;
export const DEFAULT_MAX_DOWNLOADS = 2;
export const DEFAULT_MAXLAG = 5;

/** The User-Agent Wikimedia's policy asks for: tool/version (contact). */
export function userAgent(contact: string): string {
  return `commonsynth/${VERSION} (${validateContact(contact)})`;
}

/**
 * A contact must let Wikimedia reach whoever runs the tool: an e-mail address, a URL, or a
 * wiki user page. Control characters would break the header, so they are refused too.
 */
export function validateContact(contact: string | undefined): string {
  const trimmed = contact?.trim() ?? '';
  if (trimmed === '') {
    throw new MissingContactError(
      'a contact is required by the Wikimedia User-Agent policy: pass --contact you@example.org, ' +
        'set COMMONSYNTH_CONTACT, or put "contact" in the config file',
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f()]/.test(trimmed) || trimmed.length > 200) {
    throw new MissingContactError(`contact "${trimmed}" is not usable in a User-Agent header`);
  }
  if (!/@|:\/\/|^User:/i.test(trimmed)) {
    throw new MissingContactError(
      `contact "${trimmed}" is not an e-mail address, URL or User: page that Wikimedia could use`,
    );
  }
  return trimmed;
}
