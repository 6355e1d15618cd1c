/**
 * Downloads that lose nothing: into a temporary file, resumed with HTTP Range after an
 * interruption, verified against the sha1 Commons gives, then renamed into place atomically.
 * Per-file failures are returned, never thrown, so a batch goes on.
 */
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describeError } from '../errors.js';
import { sha1OfFile } from '../hash.js';
import { CommonsRequestError } from './errors.js';
import { type HttpOptions, PoliteHttp } from './http.js';
import {
  backoffDelay,
  bandwidthBucket,
  DEFAULT_BANDWIDTH_MBPS,
  DEFAULT_MAX_DOWNLOADS,
  Semaphore,
  type TokenBucket,
  userAgent,
} from './politeness.js';

export interface DownloadTarget {
  url: string;
  /** Expected sha1 (hex), as Commons reports it. */
  sha1: string;
  /** Expected size in bytes, when known. */
  size?: number;
  /** Where the verified file ends up. */
  finalPath: string;
  /** The temporary file a partial download lives in (kept across interruptions). */
  tempPath: string;
}

export type DownloadOutcome =
  | {
      status: 'downloaded';
      path: string;
      bytes: number;
      /** Bytes already on disk when this call began or after an interruption (0: fresh). */
      resumedFrom: number;
    }
  /** The verified file was already in place; nothing was fetched. */
  | { status: 'present'; path: string; bytes: number }
  | { status: 'failed'; reason: string };

export interface DownloaderOptions extends Omit<HttpOptions, 'userAgent'> {
  contact: string;
  /** Parallel downloads per host (Wikimedia asks for at most 2). */
  maxConcurrentPerHost?: number;
  /** Bandwidth cap for all downloads together, in megabits per second. */
  bandwidthMbps?: number;
  /** How many times a file whose sha1 does not match is fetched again before it fails. */
  verifyRetries?: number;
  /** Called with each chunk's size as it is written. */
  onBytes?: (bytes: number) => void;
  /**
   * A download that receives nothing for this many ms is dropped and resumed with Range
   * (default 60 s).
   */
  stallTimeoutMs?: number;
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

class TransferError extends Error {}

export class Downloader {
  readonly http: PoliteHttp;
  readonly bucket: TokenBucket;
  private readonly perHost = new Map<string, Semaphore>();
  private readonly maxPerHost: number;
  private readonly verifyRetries: number;
  private readonly onBytes?: (bytes: number) => void;
  private readonly stallTimeoutMs: number;

  constructor(options: DownloaderOptions) {
    this.stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
    this.http = new PoliteHttp({ ...options, userAgent: userAgent(options.contact) });
    this.maxPerHost = options.maxConcurrentPerHost ?? DEFAULT_MAX_DOWNLOADS;
    this.bucket = bandwidthBucket(options.bandwidthMbps ?? DEFAULT_BANDWIDTH_MBPS, this.http.clock);
    this.verifyRetries = options.verifyRetries ?? 1;
    this.onBytes = options.onBytes;
  }

  /** Downloads one file; waits for a free slot on its host first. */
  download(target: DownloadTarget): Promise<DownloadOutcome> {
    const host = new URL(target.url).host;
    let slot = this.perHost.get(host);
    if (!slot) {
      slot = new Semaphore(this.maxPerHost);
      this.perHost.set(host, slot);
    }
    return slot.run(() => this.downloadNow(target));
  }

  private async downloadNow(target: DownloadTarget): Promise<DownloadOutcome> {
    const expected = target.sha1.toLowerCase();
    const existing = await sizeOf(target.finalPath);
    if (existing !== undefined) {
      if ((await sha1OfFile(target.finalPath)) === expected) {
        return { status: 'present', path: target.finalPath, bytes: existing };
      }
      await rm(target.finalPath, { force: true });
    }
    await mkdir(dirname(target.tempPath), { recursive: true });
    await mkdir(dirname(target.finalPath), { recursive: true });

    const { maxAttempts } = this.http.policy;
    let verifyFailures = 0;
    let transferFailures = 0;
    let firstResume: number | undefined;
    for (;;) {
      let onDisk = (await sizeOf(target.tempPath)) ?? 0;
      if (target.size !== undefined && onDisk > target.size) {
        await rm(target.tempPath, { force: true });
        onDisk = 0;
      }
      firstResume ??= onDisk;
      try {
        if (target.size === undefined || onDisk < target.size) {
          await this.transfer(target, onDisk);
        }
      } catch (error) {
        if (error instanceof CommonsRequestError) {
          return { status: 'failed', reason: error.message };
        }
        transferFailures += 1;
        if (transferFailures >= maxAttempts) {
          return {
            status: 'failed',
            reason: `download interrupted ${transferFailures} times: ${describeError(error)}`,
          };
        }
        await this.http.wait({
          reason: 'backoff',
          url: target.url,
          attempt: transferFailures - 1,
          delayMs: backoffDelay(transferFailures - 1, this.http.policy),
          detail: describeError(error),
        });
        continue;
      }
      const actual = await sha1OfFile(target.tempPath);
      if (actual === expected) {
        const bytes = (await sizeOf(target.tempPath)) ?? 0;
        await rename(target.tempPath, target.finalPath);
        return { status: 'downloaded', path: target.finalPath, bytes, resumedFrom: firstResume };
      }
      // A bad copy is worth nothing as a base for resuming: start over.
      await rm(target.tempPath, { force: true });
      verifyFailures += 1;
      if (verifyFailures > this.verifyRetries) {
        return {
          status: 'failed',
          reason: `sha1 mismatch: expected ${expected}, got ${actual} (${verifyFailures} attempts)`,
        };
      }
    }
  }

  /** Appends the rest of the file (from `offset`) to the temporary file. */
  private async transfer(target: DownloadTarget, offset: number): Promise<void> {
    const headers: Record<string, string> = {
      // Range offsets and the sha1 are about the stored bytes, so no transfer encoding.
      'Accept-Encoding': 'identity',
    };
    if (offset > 0) headers.Range = `bytes=${offset}-`;
    // The watchdog: reset by every chunk, it aborts a connection that has gone quiet.
    const watchdog = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(
        () => watchdog.abort(new TransferError(`no data for ${this.stallTimeoutMs} ms`)),
        this.stallTimeoutMs,
      );
    };
    arm();
    try {
      await this.receive(target, offset, headers, watchdog.signal, arm);
    } finally {
      clearTimeout(timer);
    }
  }

  private async receive(
    target: DownloadTarget,
    offset: number,
    headers: Record<string, string>,
    signal: AbortSignal,
    onProgress: () => void,
  ): Promise<void> {
    const response = await this.http.get(
      target.url,
      headers,
      (status) => status === 200 || status === 206 || status === 416,
      signal,
    );
    let start = offset;
    if (response.status === 416) {
      // The server has nothing past our offset: our partial copy is wrong; start again.
      await response.body?.cancel().catch(() => undefined);
      await rm(target.tempPath, { force: true });
      throw new TransferError('range not satisfiable; restarting from the beginning');
    }
    if (response.status === 206) {
      const range = /bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
      if (!range || Number(range[1]) !== offset) {
        await response.body?.cancel().catch(() => undefined);
        await rm(target.tempPath, { force: true });
        throw new TransferError('server answered a different range; restarting');
      }
    } else {
      start = 0;
    }
    const file = await open(target.tempPath, start === 0 ? 'w' : 'a');
    let written = start;
    try {
      if (!response.body) throw new TransferError('empty response body');
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        onProgress();
        await this.bucket.take(chunk.byteLength);
        // Waiting on the bandwidth cap is not a stall.
        onProgress();
        await file.write(chunk);
        written += chunk.byteLength;
        this.onBytes?.(chunk.byteLength);
        if (target.size !== undefined && written > target.size) {
          throw new TransferError(`longer than the ${target.size} bytes Commons reports`);
        }
      }
      // Durable before the rename makes it visible under its final name.
      await file.sync();
    } finally {
      await file.close();
    }
    if (target.size !== undefined && written < target.size) {
      throw new TransferError(`cut short at ${written} of ${target.size} bytes`);
    }
  }
}
