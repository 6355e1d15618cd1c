import { describeError } from '../errors.js';
import { CommonsRequestError } from './errors.js';
import {
  backoffDelay,
  type Clock,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  type RetryPolicy,
  realClock,
} from './politeness.js';

/** The subset of `fetch` we use; tests and library users may pass their own. */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Why and how long the client is about to wait; reported so a CLI can show it. */
export interface WaitEvent {
  reason: 'retry-after' | 'maxlag' | 'backoff';
  url: string;
  delayMs: number;
  /** The attempt that just failed (0-based). */
  attempt: number;
  status?: number;
  detail?: string;
}

export interface HttpOptions {
  userAgent: string;
  fetch?: FetchLike;
  clock?: Clock;
  retry?: Partial<RetryPolicy>;
  onWait?: (event: WaitEvent) => void;
  /**
   * A request (without a caller's signal) that has not finished within this many ms is dropped
   * and retried like a network error (default 60 s), so a stalled connection cannot hang a run.
   */
  timeoutMs?: number;
}

/** Resolved HTTP settings shared by the API client and the downloader. */
export class PoliteHttp {
  readonly userAgent: string;
  readonly clock: Clock;
  readonly policy: RetryPolicy;
  private readonly fetchImpl: FetchLike;
  private readonly onWait?: (event: WaitEvent) => void;
  readonly timeoutMs: number;

  constructor(options: HttpOptions) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.userAgent = options.userAgent;
    this.clock = options.clock ?? realClock;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.onWait = options.onWait;
  }

  /** Waits, telling the listener first. */
  async wait(event: WaitEvent): Promise<void> {
    this.onWait?.(event);
    await this.clock.sleep(event.delayMs);
  }

  /** A server-requested wait (Retry-After), scaled only in tests. */
  serverWaitMs(header: string | null, fallbackMs: number): number {
    const requested = parseRetryAfter(header, this.clock.now());
    return (requested ?? fallbackMs) * this.policy.retryAfterScale;
  }

  /**
   * GET with retries: 429 and 503 wait for Retry-After (or back off when it is missing), other
   * 5xx and network errors back off exponentially with jitter, other statuses fail at once.
   * Statuses for which `accept` is true are returned to the caller.
   */
  async get(
    url: string,
    headers: Record<string, string>,
    accept: (status: number) => boolean = (status) => status >= 200 && status < 300,
    /** Aborts the request (and its body) from outside, e.g. a download's stall watchdog. */
    signal?: AbortSignal,
  ): Promise<Response> {
    const { maxAttempts } = this.policy;
    let lastProblem = '';
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          headers: { 'User-Agent': this.userAgent, ...headers },
          redirect: 'follow',
          // A caller's signal governs the body too (a fixed timeout would cut long downloads).
          signal: signal ?? AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        // Aborted by the caller: theirs to handle, not ours to retry.
        if (signal?.aborted) throw signal.reason;
        lastProblem = describeError(error);
        if (attempt + 1 < maxAttempts) {
          await this.wait({
            reason: 'backoff',
            url,
            attempt,
            delayMs: backoffDelay(attempt, this.policy),
            detail: lastProblem,
          });
        }
        continue;
      }
      if (accept(response.status)) return response;
      const status = response.status;
      // Free the connection; the body of an error response is not needed.
      await response.body?.cancel().catch(() => undefined);
      lastProblem = `HTTP ${status}`;
      const retryable = status === 429 || status >= 500;
      if (!retryable) {
        throw new CommonsRequestError(`${url}: HTTP ${status}`, { url, status });
      }
      if (attempt + 1 >= maxAttempts) break;
      const retryAfter = response.headers.get('retry-after');
      if ((status === 429 || status === 503) && parseRetryAfter(retryAfter, 0) !== undefined) {
        await this.wait({
          reason: 'retry-after',
          url,
          attempt,
          status,
          delayMs: this.serverWaitMs(retryAfter, 0),
        });
      } else {
        await this.wait({
          reason: 'backoff',
          url,
          attempt,
          status,
          delayMs: backoffDelay(attempt, this.policy),
        });
      }
    }
    throw new CommonsRequestError(
      `${url}: gave up after ${maxAttempts} attempts (${lastProblem})`,
      {
        url,
      },
    );
  }
}
