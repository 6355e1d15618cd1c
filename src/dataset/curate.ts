/**
 * `curate`: walk a theme's (or some categories') Commons tree, keep the freely licensed audio,
 * record it in the manifest, and download it into the content-addressed store. Every step is
 * committed as it happens, so a killed run goes on where it stopped.
 */
import { mkdir } from 'node:fs/promises';
import { type ApiImageInfo, CommonsClient } from '../commons/api.js';
import { crawlCategories, type ListedFile, normalizeCategoryTitle } from '../commons/crawl.js';
import { Downloader, type DownloadOutcome } from '../commons/download.js';
import type { FetchLike, WaitEvent } from '../commons/http.js';
import { parseLicense } from '../commons/licenses.js';
import { type MediaFilter, mediaSkipReason } from '../commons/media.js';
import { type Clock, DEFAULT_MAX_DOWNLOADS, type RetryPolicy } from '../commons/politeness.js';
import { UsageError } from '../errors.js';
import { lockDataset } from './lock.js';
import { type FileStatus, type Manifest, type ManifestFile, openManifest } from './manifest.js';
import { assertSha1 } from './store.js';
import { type CurateConfig, resolveTheme, themeNames } from './themes.js';

export interface CurateOptions {
  /** The data folder (manifest.sqlite and store/ go there). */
  dataDir: string;
  /** Contact for the User-Agent; required. */
  contact: string;
  apiUrl?: string;
  /** Walk a theme's categories (from `config` or the defaults)… */
  theme?: string;
  /** …or these categories. */
  categories?: string[];
  config?: CurateConfig;
  /** Overrides the theme's depth (default 2 for categories). */
  depth?: number;
  /** Stop listing once this crawl has taken this many files. */
  limit?: number;
  perCategoryCap?: number;
  /** Overrides the theme's duration range and MIME allowlist. */
  media?: MediaFilter;
  /** Files per API request ("max" by default). */
  pageSize?: number | 'max';
  /** Download bandwidth cap in megabits per second (default 25). */
  bandwidthMbps?: number;
  /** Parallel downloads per host (default and maximum 2, as Wikimedia asks). */
  maxConcurrentDownloads?: number;
  /** Try files that failed in an earlier run again. */
  retryFailed?: boolean;
  /** Only list; download nothing. */
  listOnly?: boolean;
  retry?: Partial<RetryPolicy>;
  fetch?: FetchLike;
  clock?: Clock;
  onEvent?: (event: CurateEvent) => void;
}

export type CurateEvent =
  | { type: 'listing'; category: string; depth: number; taken: number }
  | { type: 'downloads'; total: number }
  | { type: 'downloaded'; sha1: string; title: string; outcome: DownloadOutcome }
  | { type: 'wait'; wait: WaitEvent };

export interface CurateFailure {
  sha1: string;
  title: string;
  reason: string;
}

export interface CurateSummary {
  /** Identifies this crawl in the manifest (e.g. "theme:nature"). */
  crawlKey: string;
  theme?: string;
  roots: string[];
  /** Files newly listed in this run. */
  listed: number;
  /** Files in this crawl, from all runs. */
  totalFiles: number;
  /** Same content under another title, linked to the copy we have. */
  duplicates: number;
  /** Files refused in this run, by reason (license reasons and media filters). */
  dropped: Record<string, number>;
  /** True when every category within the depth limit has been walked. */
  crawlComplete: boolean;
  downloaded: number;
  /** Already in the store and verified; not fetched again. */
  present: number;
  failed: CurateFailure[];
  bytesDownloaded: number;
}

/** The manifest's name for a crawl: one per theme, or one per set of categories. */
export function crawlKeyFor(theme: string | undefined, categories: readonly string[]): string {
  if (theme !== undefined) return `theme:${theme}`;
  return `categories:${[...categories].sort().join('|')}`;
}

interface Plan {
  key: string;
  theme?: string;
  roots: string[];
  depth: number;
  perCategoryCap?: number;
  media: MediaFilter;
}

function plan(options: CurateOptions): Plan {
  const hasCategories = options.categories !== undefined && options.categories.length > 0;
  if ((options.theme === undefined) === !hasCategories) {
    throw new UsageError('give either a theme (--theme) or categories (--category), not both');
  }
  for (const [name, value] of [
    ['depth', options.depth],
    ['limit', options.limit],
    ['per-category cap', options.perCategoryCap],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw new UsageError(`${name} must be a non-negative integer, not ${value}`);
    }
  }
  if (options.theme !== undefined) {
    const theme = resolveTheme(options.theme, options.config);
    if (!theme) {
      throw new UsageError(
        `unknown theme "${options.theme}"; known: ${themeNames(options.config).join(', ')}`,
      );
    }
    const roots = theme.categories.map(normalizeCategoryTitle);
    return {
      key: crawlKeyFor(theme.name, roots),
      theme: theme.name,
      roots,
      depth: options.depth ?? theme.depth,
      perCategoryCap: options.perCategoryCap ?? theme.perCategoryCap,
      media: { ...theme.media, ...definedOnly(options.media) },
    };
  }
  const roots = options.categories!.map((c) => {
    try {
      return normalizeCategoryTitle(c);
    } catch {
      throw new UsageError(`"${c}" is not a category title`);
    }
  });
  const defaults = options.config?.defaults;
  return {
    key: crawlKeyFor(undefined, roots),
    roots,
    depth: options.depth ?? defaults?.depth ?? 2,
    perCategoryCap: options.perCategoryCap ?? defaults?.perCategoryCap,
    media: {
      mimes: defaults?.mimes,
      minDuration: defaults?.minDuration,
      maxDuration: defaults?.maxDuration,
      ...definedOnly(options.media),
    },
  };
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(
    Object.entries(value ?? {}).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}

/** Curates a dataset; see CurateOptions. Resumable: run it again after any interruption. */
export async function curate(options: CurateOptions): Promise<CurateSummary> {
  const p = plan(options);
  const onWait = (wait: WaitEvent): void => options.onEvent?.({ type: 'wait', wait });
  const client = new CommonsClient({
    apiUrl: options.apiUrl ?? options.config?.api,
    contact: options.contact,
    fetch: options.fetch,
    clock: options.clock,
    retry: options.retry,
    onWait,
  });
  await mkdir(options.dataDir, { recursive: true });
  // Before the manifest is touched: a second curate stops here with a clear message.
  const unlock = lockDataset(options.dataDir);
  let manifest: Manifest;
  try {
    manifest = openManifest(options.dataDir);
  } catch (error) {
    unlock();
    throw error;
  }
  try {
    const summary: CurateSummary = {
      crawlKey: p.key,
      theme: p.theme,
      roots: p.roots,
      listed: 0,
      totalFiles: 0,
      duplicates: 0,
      dropped: {},
      crawlComplete: false,
      downloaded: 0,
      present: 0,
      failed: [],
      bytesDownloaded: 0,
    };
    await list(client, manifest, p, options, summary);
    summary.totalFiles = manifest.countCrawlFiles(p.key);
    if (!options.listOnly) await download(manifest, p, options, summary, onWait);
    return summary;
  } finally {
    manifest.close();
    unlock();
  }
}

async function list(
  client: CommonsClient,
  manifest: Manifest,
  p: Plan,
  options: CurateOptions,
  summary: CurateSummary,
): Promise<void> {
  manifest.beginCrawl(p.key, p.roots, p.depth, p.theme);
  const limitReached = (): boolean =>
    options.limit !== undefined && manifest.countCrawlFiles(p.key) >= options.limit;
  const capped = new Set<string>();
  const frontier = manifest.crawlFrontier(p.key, p.depth);
  if (frontier.length === 0) {
    summary.crawlComplete = true;
    return;
  }
  if (limitReached()) return;
  const events = crawlCategories(client, {
    frontier,
    visited: manifest.crawlVisited(p.key),
    maxDepth: p.depth,
    pageSize: options.pageSize,
    skipFiles: capped,
  });
  for await (const event of events) {
    if (event.type === 'subcategories') {
      manifest.saveSubcategories(p.key, event.category, event.depth, event.found);
      continue;
    }
    if (event.type === 'category-done') continue;
    let stopped = false;
    // One transaction per batch: its files and the category's new position go in together.
    manifest.transaction(() => {
      for (const file of event.files) {
        if (limitReached()) {
          stopped = true;
          return;
        }
        if (
          p.perCategoryCap !== undefined &&
          manifest.countCategoryFiles(event.category) >= p.perCategoryCap
        ) {
          capped.add(event.category);
          break;
        }
        take(manifest, p, event.category, file, summary);
      }
      manifest.saveFilesProgress(
        p.key,
        event.category,
        capped.has(event.category) ? undefined : event.next,
      );
    });
    options.onEvent?.({
      type: 'listing',
      category: event.category,
      depth: event.depth,
      taken: manifest.countCrawlFiles(p.key),
    });
    if (stopped) return;
  }
  summary.crawlComplete = manifest.crawlFrontier(p.key, p.depth).length === 0;
}

function count(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

/** Decides on one listed file and records the decision. */
function take(
  manifest: Manifest,
  p: Plan,
  category: string,
  file: ListedFile,
  summary: CurateSummary,
): void {
  if (manifest.isDropped(file.pageId, p.key)) return;
  if (manifest.hasPage(file.pageId)) {
    // Seen before (in another category or crawl): link it here too.
    manifest.linkPage(file.pageId, category, p.theme, p.key);
    return;
  }
  const drop = (reason: string, detail: string): void => {
    if (manifest.recordDrop(file.pageId, file.title, reason, detail, p.key))
      count(summary.dropped, reason);
  };
  const info: ApiImageInfo = file.info;
  const skip = mediaSkipReason(info, p.media);
  if (skip !== undefined) {
    drop(skip, `${info.mime}, ${info.duration ?? '?'} s`);
    return;
  }
  let sha1: string;
  try {
    sha1 = assertSha1(info.sha1, file.title);
  } catch {
    drop('bad-sha1', String(info.sha1));
    return;
  }
  const verdict = parseLicense(file.title, info.descriptionurl, info.extmetadata);
  if (!verdict.ok) {
    drop(verdict.reason, verdict.detail);
    return;
  }
  const result = manifest.addListed({
    pageId: file.pageId,
    title: file.title,
    info: { ...info, sha1 },
    license: verdict.record,
    category,
    theme: p.theme,
    crawlKey: p.key,
  });
  if (result === 'added') summary.listed += 1;
  if (result === 'duplicate') summary.duplicates += 1;
}

async function download(
  manifest: Manifest,
  p: Plan,
  options: CurateOptions,
  summary: CurateSummary,
  onWait: (wait: WaitEvent) => void,
): Promise<void> {
  const statuses: FileStatus[] = options.retryFailed ? ['listed', 'failed'] : ['listed'];
  const todo = manifest.listFiles({ crawlKey: p.key, status: statuses });
  options.onEvent?.({ type: 'downloads', total: todo.length });
  if (todo.length === 0) return;
  const perHost = Math.min(
    DEFAULT_MAX_DOWNLOADS,
    options.maxConcurrentDownloads ?? DEFAULT_MAX_DOWNLOADS,
  );
  const downloader = new Downloader({
    contact: options.contact,
    fetch: options.fetch,
    clock: options.clock,
    retry: options.retry,
    onWait,
    maxConcurrentPerHost: perHost,
    bandwidthMbps: options.bandwidthMbps ?? options.config?.bandwidthMbps,
  });
  const queue = [...todo];
  const worker = async (): Promise<void> => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      await downloadOne(manifest, downloader, file, summary, options);
    }
  };
  // The downloader enforces the per-host limit; these workers only keep it busy.
  await Promise.all(Array.from({ length: perHost }, worker));
}

async function downloadOne(
  manifest: Manifest,
  downloader: Downloader,
  file: ManifestFile,
  summary: CurateSummary,
  options: CurateOptions,
): Promise<void> {
  const relativePath = manifest.store.relativePathFor(file.sha1, file.mime);
  const outcome = await downloader.download({
    url: file.url,
    sha1: file.sha1,
    size: file.size,
    finalPath: manifest.store.resolve(relativePath),
    tempPath: manifest.store.tempPathFor(file.sha1),
  });
  if (outcome.status === 'failed') {
    manifest.markStatus(file.sha1, 'failed', outcome.reason);
    summary.failed.push({ sha1: file.sha1, title: file.title, reason: outcome.reason });
  } else {
    manifest.markDownloaded(file.sha1, relativePath);
    if (outcome.status === 'downloaded') {
      summary.downloaded += 1;
      summary.bytesDownloaded += outcome.bytes - outcome.resumedFrom;
    } else {
      summary.present += 1;
    }
  }
  options.onEvent?.({ type: 'downloaded', sha1: file.sha1, title: file.title, outcome });
}
