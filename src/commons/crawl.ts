/**
 * Breadth-first walk of a Commons category tree. Commons has many category cycles, so every
 * category is visited once (a visited set) and the walk stops at a depth limit. The walk is
 * resumable: it starts from a frontier of categories, each with where its file listing stopped.
 */
import type { ApiImageInfo, ApiPage, CommonsClient, ContinueParams } from './api.js';

export const IMAGEINFO_PROPS = 'url|size|sha1|mime|mediatype|extmetadata';

/** "audio_files" or "Category:audio files" → "Category:Audio files". */
export function normalizeCategoryTitle(title: string): string {
  const trimmed = title.replace(/_/g, ' ').replace(/\s+/g, ' ').trim();
  const name = trimmed.replace(/^category\s*:\s*/i, '');
  if (name === '') throw new RangeError(`empty category title "${title}"`);
  return `Category:${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

/** A category still to be (fully) listed. */
export interface CategoryCursor {
  title: string;
  /** 0 for a root category. */
  depth: number;
  /** Where its file listing stopped; undefined to start at the beginning. */
  filesContinue?: ContinueParams;
  /** True once its file listing is finished (only subcategories may remain). */
  filesDone?: boolean;
  /** True once its subcategories have been listed and queued. */
  subcategoriesDone?: boolean;
}

/** A file as the crawl found it. */
export interface ListedFile {
  pageId: number;
  title: string;
  info: ApiImageInfo;
}

export type CrawlEvent =
  /** One batch of files from `category`; `next` is where the listing goes on (undefined: done). */
  | { type: 'files'; category: string; depth: number; files: ListedFile[]; next?: ContinueParams }
  /** Subcategories of `category` not seen before, to be walked at depth + 1. */
  | { type: 'subcategories'; category: string; depth: number; found: string[] }
  /** `category` is finished: files listed and subcategories (within the depth limit) queued. */
  | { type: 'category-done'; category: string; depth: number };

export interface CrawlOptions {
  /** Categories to walk, in order; roots have depth 0. */
  frontier: CategoryCursor[];
  /** Categories already seen (queued or done); extended as the walk goes. */
  visited?: Set<string>;
  /** Subcategories deeper than this are not walked (0: the roots only). */
  maxDepth: number;
  /** Files per API request ("max" by default). */
  pageSize?: number | 'max';
  /**
   * Categories whose file listing should stop (e.g. a per-category cap was reached); checked
   * after each batch, so the consumer can add to it while the walk runs.
   */
  skipFiles?: ReadonlySet<string>;
}

function toListedFile(page: ApiPage): ListedFile | undefined {
  const info = page.imageinfo?.[0];
  if (page.pageid === undefined || page.missing || info === undefined) return undefined;
  return { pageId: page.pageid, title: page.title, info };
}

/** Walks the category tree breadth-first, yielding what it finds as it goes. */
export async function* crawlCategories(
  client: CommonsClient,
  options: CrawlOptions,
): AsyncGenerator<CrawlEvent> {
  const visited = options.visited ?? new Set<string>();
  const queue: CategoryCursor[] = options.frontier.map((c) => ({
    ...c,
    title: normalizeCategoryTitle(c.title),
  }));
  for (const cursor of queue) visited.add(cursor.title);
  const pageSize = options.pageSize ?? 'max';

  while (queue.length > 0) {
    const cursor = queue.shift()!;
    const { title, depth } = cursor;
    if (!cursor.filesDone) {
      const batches = client.queryBatches(
        {
          generator: 'categorymembers',
          gcmtitle: title,
          gcmtype: 'file',
          gcmlimit: pageSize,
          prop: 'imageinfo',
          iiprop: IMAGEINFO_PROPS,
        },
        cursor.filesContinue,
      );
      for await (const batch of batches) {
        const files = batch.pages.map(toListedFile).filter((f): f is ListedFile => f !== undefined);
        yield { type: 'files', category: title, depth, files, next: batch.next };
        if (options.skipFiles?.has(title)) break;
      }
    }
    if (depth < options.maxDepth && !cursor.subcategoriesDone) {
      const found: string[] = [];
      for await (const batch of client.queryBatches({
        list: 'categorymembers',
        cmtitle: title,
        cmtype: 'subcat',
        cmlimit: 'max',
      })) {
        for (const member of batch.categorymembers) {
          const sub = normalizeCategoryTitle(member.title);
          if (visited.has(sub)) continue;
          visited.add(sub);
          found.push(sub);
          queue.push({ title: sub, depth: depth + 1 });
        }
      }
      yield { type: 'subcategories', category: title, depth, found };
    }
    yield { type: 'category-done', category: title, depth };
  }
}

export interface CrawlFilesOptions {
  maxDepth: number;
  pageSize?: number | 'max';
}

/** A file found by `crawlFiles`, with the first category it was found in. */
export interface FoundFile extends ListedFile {
  category: string;
  depth: number;
}

/**
 * Every file under `roots` once: deduplicated by page id and by sha1 (Commons holds exact
 * duplicates under different titles). For resumable, recorded crawls use `crawlCategories`.
 */
export async function* crawlFiles(
  client: CommonsClient,
  roots: string[],
  options: CrawlFilesOptions,
): AsyncGenerator<FoundFile> {
  const pageIds = new Set<number>();
  const sha1s = new Set<string>();
  for await (const event of crawlCategories(client, {
    frontier: roots.map((title) => ({ title, depth: 0 })),
    maxDepth: options.maxDepth,
    pageSize: options.pageSize,
  })) {
    if (event.type !== 'files') continue;
    for (const file of event.files) {
      const sha1 = file.info.sha1.toLowerCase();
      if (pageIds.has(file.pageId) || sha1s.has(sha1)) continue;
      pageIds.add(file.pageId);
      sha1s.add(sha1);
      yield { ...file, category: event.category, depth: event.depth };
    }
  }
}
