/**
 * `model fetch nsynth`: download Magenta's NSynth WaveNet checkpoint (about 1 GB) with progress,
 * HTTP Range resume of a partial download and a size check, untar it and import it as a model
 * package. Offline, say so and say how to import a checkpoint downloaded by other means.
 */
import { mkdir, open, readdir, rename, rm, stat, truncate } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as tar from 'tar';
import { CommonsynthError, describeError } from '../../errors.js';
import { userModelsDir } from '../registry.js';
import { writeAll } from '../safetensors.js';
import { type ImportTfCheckpointResult, importTfCheckpoint, NSYNTH_CREDITS } from './import.js';

export const NSYNTH_CHECKPOINT_URL =
  'http://download.magenta.tensorflow.org/models/nsynth/wavenet-ckpt.tar';
/** The name `model fetch nsynth` registers the package under (so `--model nsynth` finds it). */
export const NSYNTH_MODEL_NAME = 'nsynth';

/** A download or fetch that failed. `offline` is true when the server could not be reached at all. */
export class ModelFetchError extends CommonsynthError {
  readonly offline: boolean;

  constructor(
    message: string,
    options: { file?: string; offline?: boolean; cause?: unknown } = {},
  ) {
    super('MODEL_FETCH', message, options);
    this.offline = options.offline ?? false;
  }
}

/** System error codes that mean "the server cannot be reached" rather than "it answered badly". */
const UNREACHABLE_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The system error code behind a fetch failure (fetch wraps it in `cause`, sometimes in an AggregateError). */
function networkErrorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const { code, cause, errors } = current as {
      code?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return code;
    queue.push(cause);
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return undefined;
}

export interface DownloadOptions {
  /** Called as bytes arrive: bytes on disk so far, and the full size when the server said. */
  onProgress?: (done: number, total: number | undefined) => void;
  /** Retries after a failed connection or a broken transfer, each resuming (default 3). */
  retries?: number;
  /** Pause before a retry, doubled each time (default 1000 ms). */
  retryDelayMs?: number;
  /** Fail unless the file has exactly this many bytes. */
  expectedBytes?: number;
  /** Drop and resume a connection that sends nothing for this long (default 60 000 ms). */
  stallTimeoutMs?: number;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  /** Bytes already on disk from an earlier, interrupted download. */
  resumedFrom: number;
  /** True when the finished file was already there and nothing was downloaded. */
  cached: boolean;
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** Parses `Content-Range: bytes first-last/total`, or the `bytes *\/total` of a 416 answer. */
function parseContentRange(header: string | null): { first?: number; total?: number } {
  const match = /^bytes (?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (!match) return {};
  return {
    first: match[1] === undefined ? undefined : Number(match[1]),
    total: match[2] === '*' ? undefined : Number(match[2]),
  };
}

/**
 * Downloads `url` to `dest`, through `dest.part`: a partial file left by an interrupted run is
 * resumed with an HTTP Range request (or started over when the server ignores ranges); broken
 * transfers are retried, each resuming; the finished size is checked against the size the
 * server announced (and `expectedBytes`) before the file gets its final name.
 */
export async function downloadWithResume(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const retries = options.retries ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const checkExpected = (bytes: number, path: string): void => {
    if (options.expectedBytes !== undefined && bytes !== options.expectedBytes) {
      throw new ModelFetchError(`${path} has ${bytes} bytes, expected ${options.expectedBytes}`, {
        file: path,
      });
    }
  };
  const existing = await fileSize(dest);
  if (existing > 0) {
    checkExpected(existing, dest);
    return { path: dest, bytes: existing, resumedFrom: existing, cached: true };
  }
  const part = `${dest}.part`;
  const resumedFrom = await fileSize(part);
  const stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
  type Outcome = { finished: DownloadResult } | { retry: string };

  /** One request: resume from what is on disk, stream to the part file, check the size. */
  const attemptOnce = async (isLast: boolean): Promise<Outcome> => {
    const start = await fileSize(part);
    // A connection that stalls (no headers or no data for a while) is dropped and resumed.
    const controller = new AbortController();
    let watchdog: NodeJS.Timeout | undefined;
    const rearm = (): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(
        () => controller.abort(new Error(`no data for ${stallTimeoutMs / 1000} s`)),
        stallTimeoutMs,
      );
    };
    rearm();
    try {
      let response: Response;
      try {
        response = await fetch(url, {
          headers: start > 0 ? { Range: `bytes=${start}-` } : {},
          redirect: 'follow',
          signal: controller.signal,
        });
      } catch (error) {
        const code = networkErrorCode(error);
        if (code !== undefined && isLast) {
          throw new ModelFetchError(`cannot reach ${new URL(url).host} (${code})`, {
            file: url,
            offline: true,
            cause: error,
          });
        }
        return { retry: code ?? describeError(error) };
      }
      let total: number | undefined;
      let append = false;
      if (response.status === 416) {
        // Range not satisfiable: either the part is already complete, or it is longer than the file.
        await response.body?.cancel();
        const { total: announced } = parseContentRange(response.headers.get('content-range'));
        if (announced !== undefined && announced === start) {
          checkExpected(start, part);
          await rename(part, dest);
          return { finished: { path: dest, bytes: start, resumedFrom, cached: false } };
        }
        await truncate(part, 0);
        return { retry: 'the partial download did not match the file on the server' };
      }
      if (response.status === 206) {
        const range = parseContentRange(response.headers.get('content-range'));
        if (range.first !== start) {
          await response.body?.cancel();
          await truncate(part, 0);
          return { retry: `the server resumed at byte ${range.first}, not ${start}` };
        }
        total = range.total;
        append = true;
      } else if (response.status === 200) {
        // A server that ignores Range sends the whole file: start over.
        const length = response.headers.get('content-length');
        total = length === null ? undefined : Number(length);
      } else {
        await response.body?.cancel();
        const problem = `the server answered ${response.status} ${response.statusText}`;
        if (response.status >= 500) return { retry: problem };
        throw new ModelFetchError(`cannot download ${url}: ${problem}`, { file: url });
      }
      if (response.body === null) return { retry: 'the server sent no body' };
      let done = append ? start : 0;
      options.onProgress?.(done, total);
      // Each chunk is on disk before the next is read, so a broken transfer leaves a file that
      // ends exactly where the next attempt resumes.
      const handle = await open(part, append ? 'a' : 'w');
      try {
        for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
          rearm();
          await writeAll(handle, chunk);
          done += chunk.byteLength;
          options.onProgress?.(done, total);
        }
      } catch (error) {
        return { retry: `the transfer broke after ${done} bytes (${describeError(error)})` };
      } finally {
        await handle.close();
      }
      const size = await fileSize(part);
      if (total !== undefined && size !== total) {
        if (size < total) return { retry: `the transfer ended after ${size} of ${total} bytes` };
        await truncate(part, 0);
        return { retry: `the download grew to ${size} bytes, more than the ${total} announced` };
      }
      checkExpected(size, part);
      await rename(part, dest);
      return { finished: { path: dest, bytes: size, resumedFrom, cached: false } };
    } finally {
      clearTimeout(watchdog);
    }
  };

  let lastProblem = '';
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(retryDelayMs * 2 ** (attempt - 1));
    const outcome = await attemptOnce(attempt === retries);
    if ('finished' in outcome) return outcome.finished;
    lastProblem = outcome.retry;
  }
  throw new ModelFetchError(
    `download of ${url} did not complete: ${lastProblem}. ${basename(part)} is kept; run the same command again to resume`,
    { file: part },
  );
}

/** Every `.index` file under `dir`. */
async function findIndexFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await findIndexFiles(path)));
    else if (entry.isFile() && entry.name.endsWith('.index')) found.push(path);
  }
  return found;
}

function stepOf(indexPath: string): number {
  return Number(/-(\d+)\.index$/.exec(indexPath)?.[1] ?? -1);
}

export interface FetchNsynthOptions {
  /** Where to download from (default Magenta's server). */
  url?: string;
  /** The package folder to write (default: `nsynth` in the user's models folder). */
  outDir?: string;
  /** Where the archive is downloaded and unpacked (default: `.downloads` beside the package folder, on the same disk). */
  downloadDir?: string;
  /** Import the moving-average weights instead of the raw ones. */
  ema?: boolean;
  /** Keep the archive and the unpacked checkpoint after a successful import (default false). */
  keepDownload?: boolean;
  retries?: number;
  retryDelayMs?: number;
  onDownloadProgress?: DownloadOptions['onProgress'];
  onImportProgress?: (done: number, total: number, tensor: string) => void;
}

export interface FetchNsynthResult {
  download: DownloadResult;
  /** The checkpoint prefix that was imported. */
  checkpoint: string;
  imported: ImportTfCheckpointResult;
}

/** How to get the model without this command, for the offline message. */
function manualInstructions(url: string, downloadDir: string, outDir: string): string {
  return (
    `download ${url} by other means, unpack it (tar -xf ${basename(new URL(url).pathname)}), and import the checkpoint with:\n` +
    `  commonsynth model import-tf <unpacked folder>/model.ckpt-200000 --out ${outDir}\n` +
    `(or put the archive at ${join(downloadDir, basename(new URL(url).pathname))} and run this command again)`
  );
}

/**
 * Downloads (resuming), unpacks and imports the NSynth checkpoint into a wavenet-ae package.
 */
export async function fetchNsynthModel(
  options: FetchNsynthOptions = {},
): Promise<FetchNsynthResult> {
  const url = options.url ?? NSYNTH_CHECKPOINT_URL;
  const outDir = options.outDir ?? join(userModelsDir(), NSYNTH_MODEL_NAME);
  const downloadDir = options.downloadDir ?? join(dirname(outDir), '.downloads');
  const archiveName = basename(new URL(url).pathname) || 'wavenet-ckpt.tar';
  const archive = join(downloadDir, archiveName);
  await mkdir(downloadDir, { recursive: true });
  let download: DownloadResult;
  try {
    download = await downloadWithResume(url, archive, {
      retries: options.retries,
      retryDelayMs: options.retryDelayMs,
      onProgress: options.onDownloadProgress,
    });
  } catch (error) {
    if (error instanceof ModelFetchError && error.offline) {
      throw new ModelFetchError(
        `${error.message}: commonsynth cannot reach the server to fetch the NSynth checkpoint (are you offline?). To install it anyway, ${manualInstructions(url, downloadDir, outDir)}`,
        { file: url, offline: true, cause: error },
      );
    }
    throw error;
  }
  const unpacked = join(downloadDir, archiveName.replace(/\.tar$/, ''));
  await rm(unpacked, { recursive: true, force: true });
  await mkdir(unpacked, { recursive: true });
  try {
    await tar.x({ file: archive, cwd: unpacked, strict: true });
  } catch (error) {
    // A damaged archive would fail the same way next time: remove it so the next run downloads afresh.
    await rm(archive, { force: true });
    await rm(unpacked, { recursive: true, force: true });
    throw new ModelFetchError(
      `${archive} is not a readable tar archive (${describeError(error)}); it was removed, run again to download it afresh`,
      {
        file: archive,
        cause: error,
      },
    );
  }
  const indexes = (await findIndexFiles(unpacked)).sort((a, b) => stepOf(b) - stepOf(a));
  if (indexes.length === 0) {
    throw new ModelFetchError(`${archive} holds no TensorFlow checkpoint (no .index file)`, {
      file: archive,
    });
  }
  const checkpoint = indexes[0].slice(0, -'.index'.length);
  const imported = await importTfCheckpoint(checkpoint, outDir, {
    ema: options.ema,
    name: NSYNTH_MODEL_NAME,
    credits: NSYNTH_CREDITS,
    onProgress: options.onImportProgress,
  });
  if (!options.keepDownload) {
    await rm(unpacked, { recursive: true, force: true });
    await rm(archive, { force: true });
  }
  return { download, checkpoint, imported };
}
