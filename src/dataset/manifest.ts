/**
 * The dataset manifest: one SQLite file (manifest.sqlite in the data folder) with every file's
 * metadata, license record, categories, themes and status, plus the crawl state that makes
 * `curate` resumable. Schema changes are numbered migrations tracked in `PRAGMA user_version`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { ApiImageInfo, ContinueParams } from '../commons/api.js';
import type { CategoryCursor } from '../commons/crawl.js';
import type { LicenseKind, LicenseRecord } from '../commons/licenses.js';
import { describeError } from '../errors.js';
import { ManifestError } from './errors.js';
import { assertSha1, ContentStore } from './store.js';

export const MANIFEST_FILE = 'manifest.sqlite';

export const FILE_STATUSES = ['listed', 'downloaded', 'prepped', 'encoded', 'failed'] as const;
export type FileStatus = (typeof FILE_STATUSES)[number];

/**
 * Numbered schema steps; step i brings user_version from i to i + 1. Append, never edit: a
 * manifest written by an older commonsynth is brought up to date by the steps it lacks.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: files, their categories and themes, drops, crawl state.
  `
  CREATE TABLE files (
    sha1 TEXT PRIMARY KEY CHECK (length(sha1) = 40),
    page_id INTEGER NOT NULL UNIQUE,
    title TEXT NOT NULL,
    source_url TEXT NOT NULL,
    url TEXT NOT NULL,
    mime TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    duration REAL,
    author TEXT NOT NULL,
    license TEXT NOT NULL,
    license_url TEXT,
    license_kind TEXT NOT NULL,
    attribution_required INTEGER NOT NULL,
    license_json TEXT NOT NULL,
    local_path TEXT,
    status TEXT NOT NULL CHECK (status IN ('listed', 'downloaded', 'prepped', 'encoded', 'failed')),
    reason TEXT,
    listed_at TEXT NOT NULL,
    downloaded_at TEXT,
    prepped_at TEXT,
    encoded_at TEXT,
    failed_at TEXT,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE file_categories (
    sha1 TEXT NOT NULL REFERENCES files (sha1) ON DELETE CASCADE,
    category TEXT NOT NULL,
    PRIMARY KEY (sha1, category)
  );
  CREATE TABLE file_themes (
    sha1 TEXT NOT NULL REFERENCES files (sha1) ON DELETE CASCADE,
    theme TEXT NOT NULL,
    PRIMARY KEY (sha1, theme)
  );
  CREATE TABLE crawls (
    key TEXT PRIMARY KEY,
    theme TEXT,
    max_depth INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE crawl_files (
    crawl_key TEXT NOT NULL,
    sha1 TEXT NOT NULL REFERENCES files (sha1) ON DELETE CASCADE,
    PRIMARY KEY (crawl_key, sha1)
  );
  CREATE TABLE crawl_categories (
    crawl_key TEXT NOT NULL REFERENCES crawls (key),
    title TEXT NOT NULL,
    depth INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    files_continue TEXT,
    files_done INTEGER NOT NULL DEFAULT 0,
    subcats_done INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (crawl_key, title)
  );
  CREATE TABLE drops (
    page_id INTEGER NOT NULL,
    crawl_key TEXT NOT NULL,
    title TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT,
    dropped_at TEXT NOT NULL,
    PRIMARY KEY (page_id, crawl_key)
  );
  `,
  // 2: indexes for the queries other stages run (by status, theme, category).
  `
  CREATE INDEX files_status ON files (status);
  CREATE INDEX file_themes_theme ON file_themes (theme);
  CREATE INDEX file_categories_category ON file_categories (category);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Applies the migrations a database lacks, each in its own transaction. */
export function migrate(db: Database.Database, file: string, upTo = SCHEMA_VERSION): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new ManifestError(
      file,
      `schema version ${current} is newer than this commonsynth understands (${SCHEMA_VERSION}); upgrade commonsynth`,
    );
  }
  for (let version = current; version < upTo; version++) {
    // IMMEDIATE takes the write lock up front, and the version is read again under it: two
    // processes opening a new manifest at once no longer both run "CREATE TABLE files".
    db.transaction(() => {
      const now = db.pragma('user_version', { simple: true }) as number;
      if (now > version) return;
      db.exec(MIGRATIONS[version]);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
  return Math.max(db.pragma('user_version', { simple: true }) as number, upTo);
}

/** A file as the manifest knows it. */
export interface ManifestFile {
  sha1: string;
  pageId: number;
  title: string;
  /** The file description page. */
  sourceUrl: string;
  /** The download URL. */
  url: string;
  mime: string;
  mediaType: string;
  size: number;
  duration?: number;
  license: LicenseRecord;
  /** Path relative to the data folder once downloaded. */
  localPath?: string;
  status: FileStatus;
  /** Why it failed, for status "failed". */
  reason?: string;
  categories: string[];
  themes: string[];
  listedAt: string;
  downloadedAt?: string;
  preppedAt?: string;
  encodedAt?: string;
  failedAt?: string;
  updatedAt: string;
}

export interface FileQuery {
  status?: FileStatus | readonly FileStatus[];
  theme?: string;
  category?: string;
  licenseKind?: LicenseKind;
  /** Files taken by one crawl (see `crawlKeyFor`). */
  crawlKey?: string;
  sha1s?: readonly string[];
  limit?: number;
}

/** What credits need for one file (TASL: title, author, source, license). */
export interface CreditEntry {
  title: string;
  author: string;
  sourceUrl: string;
  license: string;
  licenseUrl: string | null;
  sha1: string;
  /** Absolute path of the local copy, or null when not downloaded. */
  path: string | null;
}

export interface DatasetStats {
  files: number;
  bytes: number;
  durationSeconds: number;
  byStatus: Record<string, number>;
  byTheme: Record<string, { files: number; bytes: number; durationSeconds: number }>;
  byLicense: Record<string, number>;
  byLicenseKind: Record<string, number>;
  dropped: Record<string, number>;
}

export type AddResult = 'added' | 'known' | 'duplicate';

export interface ListedFileInput {
  pageId: number;
  title: string;
  info: ApiImageInfo;
  license: LicenseRecord;
  category: string;
  theme?: string;
  crawlKey?: string;
}

interface FileRow {
  sha1: string;
  page_id: number;
  title: string;
  source_url: string;
  url: string;
  mime: string;
  media_type: string;
  size: number;
  duration: number | null;
  license_json: string;
  local_path: string | null;
  status: FileStatus;
  reason: string | null;
  listed_at: string;
  downloaded_at: string | null;
  prepped_at: string | null;
  encoded_at: string | null;
  failed_at: string | null;
  updated_at: string;
  categories: string | null;
  themes: string | null;
}

const now = (): string => new Date().toISOString();
const orUndefined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

export class Manifest {
  readonly dataDir: string;
  readonly path: string;
  readonly store: ContentStore;
  readonly db: Database.Database;

  constructor(dataDir: string, options: OpenManifestOptions = {}) {
    this.dataDir = resolve(dataDir);
    this.path = join(this.dataDir, MANIFEST_FILE);
    this.store = new ContentStore(this.dataDir);
    if (options.create === false && !existsSync(this.path)) {
      throw new ManifestError(this.path, 'no manifest here (run `commonsynth curate` first)');
    }
    try {
      mkdirSync(this.dataDir, { recursive: true });
      this.db = new Database(this.path);
    } catch (error) {
      throw new ManifestError(this.path, `cannot open: ${describeError(error)}`, error);
    }
    try {
      // WAL keeps every committed transaction across a kill; NORMAL sync is safe with WAL.
      // The busy timeout first: switching to WAL and migrating take locks, and another process
      // (`dataset stats` beside a curate) may hold one for a moment; wait instead of failing.
      this.db.pragma('busy_timeout = 10000');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      migrate(this.db, this.path);
    } catch (error) {
      this.db.close();
      if (error instanceof ManifestError) throw error;
      throw new ManifestError(this.path, `not a usable manifest: ${describeError(error)}`, error);
    }
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Runs `work` in one transaction: all of it is recorded, or none of it. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  // ---- files ---------------------------------------------------------------------------

  /**
   * Records a listed file (status "listed"), or links a known one to one more category and
   * theme. A different page with the same sha1 is a duplicate upload: linked, not added.
   */
  addListed(input: ListedFileInput): AddResult {
    const sha1 = assertSha1(input.info.sha1, input.title);
    return this.transaction(() => {
      const byPage = this.db
        .prepare<[number], { sha1: string }>('SELECT sha1 FROM files WHERE page_id = ?')
        .get(input.pageId);
      const bySha1 = this.db
        .prepare<[string], { sha1: string }>('SELECT sha1 FROM files WHERE sha1 = ?')
        .get(sha1);
      let result: AddResult;
      let target: string;
      if (byPage) {
        result = 'known';
        target = byPage.sha1;
      } else if (bySha1) {
        result = 'duplicate';
        target = bySha1.sha1;
      } else {
        result = 'added';
        target = sha1;
        const { info, license } = input;
        const time = now();
        this.db
          .prepare(
            `INSERT INTO files (sha1, page_id, title, source_url, url, mime, media_type, size, duration,
               author, license, license_url, license_kind, attribution_required, license_json,
               status, listed_at, updated_at)
             VALUES (@sha1, @pageId, @title, @sourceUrl, @url, @mime, @mediaType, @size, @duration,
               @author, @license, @licenseUrl, @licenseKind, @attributionRequired, @licenseJson,
               'listed', @time, @time)`,
          )
          .run({
            sha1,
            pageId: input.pageId,
            title: input.title,
            sourceUrl: license.source,
            url: info.url,
            mime: info.mime,
            mediaType: info.mediatype,
            size: info.size,
            duration: info.duration ?? null,
            author: license.author,
            license: license.license,
            licenseUrl: license.licenseUrl ?? null,
            licenseKind: license.licenseKind,
            attributionRequired: license.attributionRequired ? 1 : 0,
            licenseJson: JSON.stringify(license),
            time,
          });
      }
      this.link(target, input.category, input.theme, input.crawlKey);
      return result;
    });
  }

  /** True when this crawl already refused this page (its reason is counted once). */
  isDropped(pageId: number, crawlKey = ''): boolean {
    return (
      this.db
        .prepare<[number, string], { n: number }>(
          'SELECT 1 AS n FROM drops WHERE page_id = ? AND crawl_key = ?',
        )
        .get(pageId, crawlKey) !== undefined
    );
  }

  hasPage(pageId: number): boolean {
    return (
      this.db
        .prepare<[number], { n: number }>('SELECT 1 AS n FROM files WHERE page_id = ?')
        .get(pageId) !== undefined
    );
  }

  /** Links a known page to one more category, theme and crawl. */
  linkPage(pageId: number, category: string, theme?: string, crawlKey?: string): void {
    const row = this.db
      .prepare<[number], { sha1: string }>('SELECT sha1 FROM files WHERE page_id = ?')
      .get(pageId);
    if (!row) throw new ManifestError(this.path, `no file with page id ${pageId}`);
    this.link(row.sha1, category, theme, crawlKey);
  }

  private link(sha1: string, category: string, theme?: string, crawlKey?: string): void {
    this.db
      .prepare('INSERT OR IGNORE INTO file_categories (sha1, category) VALUES (?, ?)')
      .run(sha1, category);
    if (theme !== undefined) {
      this.db
        .prepare('INSERT OR IGNORE INTO file_themes (sha1, theme) VALUES (?, ?)')
        .run(sha1, theme);
    }
    if (crawlKey !== undefined) {
      this.db
        .prepare('INSERT OR IGNORE INTO crawl_files (crawl_key, sha1) VALUES (?, ?)')
        .run(crawlKey, sha1);
    }
  }

  /**
   * Records why a crawl refused a page (license, media filter); returns false when that crawl
   * recorded it before, so reasons are counted once.
   */
  recordDrop(
    pageId: number,
    title: string,
    reason: string,
    detail?: string,
    crawlKey = '',
  ): boolean {
    const result = this.db
      .prepare(
        `INSERT OR IGNORE INTO drops (page_id, crawl_key, title, reason, detail, dropped_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(pageId, crawlKey, title, reason, detail ?? null, now());
    return result.changes > 0;
  }

  /** Refused pages by reason (each page once, whichever crawls refused it). */
  dropCounts(crawlKey?: string): Record<string, number> {
    const rows = this.db
      .prepare<[string | null, string | null], { reason: string; n: number }>(
        `SELECT reason, count(DISTINCT page_id) AS n FROM drops
         WHERE ? IS NULL OR crawl_key = ? GROUP BY reason ORDER BY reason`,
      )
      .all(crawlKey ?? null, crawlKey ?? null);
    return Object.fromEntries(rows.map((row) => [row.reason, row.n]));
  }

  /**
   * Moves a file to a status; `reason` is kept for "failed" and cleared otherwise. Other stages
   * (prep, encode) call this as they finish each file.
   */
  markStatus(sha1: string, status: FileStatus, reason?: string): void {
    const hex = assertSha1(sha1, 'markStatus');
    if (!FILE_STATUSES.includes(status)) {
      throw new ManifestError(this.path, `unknown status "${status}"`);
    }
    if (status === 'failed' && !reason) {
      throw new ManifestError(this.path, `marking ${hex} failed needs a reason`);
    }
    const time = now();
    // The column name comes from the fixed status list above, never from input.
    const result = this.db
      .prepare(
        `UPDATE files SET status = ?, reason = ?, ${status}_at = ?, updated_at = ? WHERE sha1 = ?`,
      )
      .run(status, status === 'failed' ? reason : null, time, time, hex);
    if (result.changes === 0) throw new ManifestError(this.path, `no file with sha1 ${hex}`);
  }

  /** Records a verified local copy (relative to the data folder) and marks the file downloaded. */
  markDownloaded(sha1: string, localPath: string): void {
    const hex = assertSha1(sha1, 'markDownloaded');
    this.store.resolve(localPath);
    this.transaction(() => {
      this.db.prepare('UPDATE files SET local_path = ? WHERE sha1 = ?').run(localPath, hex);
      this.markStatus(hex, 'downloaded');
    });
  }

  getFile(sha1: string): ManifestFile | undefined {
    return this.listFiles({ sha1s: [sha1] })[0];
  }

  /** Files matching every given condition, ordered by title. */
  listFiles(query: FileQuery = {}): ManifestFile[] {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (query.status !== undefined) {
      const statuses = typeof query.status === 'string' ? [query.status] : [...query.status];
      where.push(`f.status IN (${statuses.map(() => '?').join(', ')})`);
      params.push(...statuses);
    }
    if (query.theme !== undefined) {
      where.push('EXISTS (SELECT 1 FROM file_themes t WHERE t.sha1 = f.sha1 AND t.theme = ?)');
      params.push(query.theme);
    }
    if (query.category !== undefined) {
      where.push(
        'EXISTS (SELECT 1 FROM file_categories c WHERE c.sha1 = f.sha1 AND c.category = ?)',
      );
      params.push(query.category);
    }
    if (query.licenseKind !== undefined) {
      where.push('f.license_kind = ?');
      params.push(query.licenseKind);
    }
    if (query.crawlKey !== undefined) {
      where.push('EXISTS (SELECT 1 FROM crawl_files k WHERE k.sha1 = f.sha1 AND k.crawl_key = ?)');
      params.push(query.crawlKey);
    }
    if (query.sha1s !== undefined) {
      if (query.sha1s.length === 0) return [];
      const hexes = query.sha1s.map((s) => assertSha1(s, 'listFiles'));
      where.push(`f.sha1 IN (${hexes.map(() => '?').join(', ')})`);
      params.push(...hexes);
    }
    const sql = `
      SELECT f.*,
        (SELECT json_group_array(category) FROM (SELECT category FROM file_categories c WHERE c.sha1 = f.sha1 ORDER BY category)) AS categories,
        (SELECT json_group_array(theme) FROM (SELECT theme FROM file_themes t WHERE t.sha1 = f.sha1 ORDER BY theme)) AS themes
      FROM files f
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY f.title, f.sha1
      ${query.limit !== undefined ? `LIMIT ${Math.max(0, Math.floor(query.limit))}` : ''}`;
    return this.db
      .prepare<Array<string | number>, FileRow>(sql)
      .all(...params)
      .map(toManifestFile);
  }

  /** Credits for the given files (all files when omitted), in the order asked. */
  creditsFor(sha1s?: readonly string[]): CreditEntry[] {
    const files = sha1s === undefined ? this.listFiles() : this.listFiles({ sha1s });
    const bySha1 = new Map(files.map((f) => [f.sha1, f]));
    const order =
      sha1s === undefined ? files.map((f) => f.sha1) : sha1s.map((s) => s.toLowerCase());
    return order.map((sha1) => {
      const file = bySha1.get(sha1);
      if (!file) throw new ManifestError(this.path, `no file with sha1 ${sha1}`);
      return {
        title: file.title.replace(/^File:/, ''),
        author: file.license.author,
        sourceUrl: file.sourceUrl,
        license: file.license.license,
        licenseUrl: file.license.licenseUrl ?? null,
        sha1: file.sha1,
        path: file.localPath ? this.store.resolve(file.localPath) : null,
      };
    });
  }

  stats(): DatasetStats {
    const count = (sql: string): Record<string, number> =>
      Object.fromEntries(
        this.db
          .prepare<[], { key: string; n: number }>(sql)
          .all()
          .map((row) => [row.key, row.n]),
      );
    const totals = this.db
      .prepare<[], { files: number; bytes: number | null; duration: number | null }>(
        'SELECT count(*) AS files, sum(size) AS bytes, sum(duration) AS duration FROM files',
      )
      .get()!;
    const byTheme: DatasetStats['byTheme'] = {};
    for (const row of this.db
      .prepare<[], { theme: string; files: number; bytes: number; duration: number | null }>(
        `SELECT t.theme AS theme, count(*) AS files, sum(f.size) AS bytes, sum(f.duration) AS duration
         FROM file_themes t JOIN files f ON f.sha1 = t.sha1 GROUP BY t.theme ORDER BY t.theme`,
      )
      .all()) {
      byTheme[row.theme] = {
        files: row.files,
        bytes: row.bytes,
        durationSeconds: row.duration ?? 0,
      };
    }
    return {
      files: totals.files,
      bytes: totals.bytes ?? 0,
      durationSeconds: totals.duration ?? 0,
      byStatus: count(
        'SELECT status AS key, count(*) AS n FROM files GROUP BY status ORDER BY status',
      ),
      byTheme,
      byLicense: count(
        'SELECT license AS key, count(*) AS n FROM files GROUP BY license ORDER BY license',
      ),
      byLicenseKind: count(
        'SELECT license_kind AS key, count(*) AS n FROM files GROUP BY license_kind ORDER BY license_kind',
      ),
      dropped: this.dropCounts(),
    };
  }

  // ---- crawl state (for resumable `curate`) ---------------------------------------------

  /** Starts or resumes a crawl: its roots are queued (once) at depth 0. */
  beginCrawl(key: string, roots: readonly string[], maxDepth: number, theme?: string): void {
    this.transaction(() => {
      const time = now();
      this.db
        .prepare(
          `INSERT INTO crawls (key, theme, max_depth, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET max_depth = excluded.max_depth, updated_at = excluded.updated_at`,
        )
        .run(key, theme ?? null, maxDepth, time, time);
      for (const root of roots) this.queueCategory(key, root, 0);
    });
  }

  private queueCategory(key: string, title: string, depth: number): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO crawl_categories (crawl_key, title, depth, seq)
         VALUES (?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM crawl_categories WHERE crawl_key = ?))`,
      )
      .run(key, title, depth, key);
  }

  /** Categories with work left for a walk to `maxDepth`, in breadth-first order. */
  crawlFrontier(key: string, maxDepth: number): CategoryCursor[] {
    return this.db
      .prepare<
        { key: string; maxDepth: number },
        {
          title: string;
          depth: number;
          files_continue: string | null;
          files_done: number;
          subcats_done: number;
        }
      >(
        `SELECT title, depth, files_continue, files_done, subcats_done FROM crawl_categories
         WHERE crawl_key = @key AND depth <= @maxDepth
           AND (files_done = 0 OR (subcats_done = 0 AND depth < @maxDepth))
         ORDER BY depth, seq`,
      )
      .all({ key, maxDepth })
      .map((row) => ({
        title: row.title,
        depth: row.depth,
        filesContinue: row.files_continue
          ? (JSON.parse(row.files_continue) as ContinueParams)
          : undefined,
        filesDone: row.files_done === 1,
        subcategoriesDone: row.subcats_done === 1,
      }));
  }

  /** Every category this crawl has queued or walked (its visited set). */
  crawlVisited(key: string): Set<string> {
    return new Set(
      this.db
        .prepare<[string], { title: string }>(
          'SELECT title FROM crawl_categories WHERE crawl_key = ?',
        )
        .all(key)
        .map((row) => row.title),
    );
  }

  /** Where a category's file listing goes on; `next` undefined means it is finished. */
  saveFilesProgress(key: string, category: string, next: ContinueParams | undefined): void {
    this.db
      .prepare(
        'UPDATE crawl_categories SET files_continue = ?, files_done = ? WHERE crawl_key = ? AND title = ?',
      )
      .run(next ? JSON.stringify(next) : null, next ? 0 : 1, key, category);
  }

  /** Records a category's subcategories (queued one level deeper) as listed. */
  saveSubcategories(key: string, category: string, depth: number, found: readonly string[]): void {
    this.transaction(() => {
      for (const sub of found) this.queueCategory(key, sub, depth + 1);
      this.db
        .prepare('UPDATE crawl_categories SET subcats_done = 1 WHERE crawl_key = ? AND title = ?')
        .run(key, category);
    });
  }

  countCrawlFiles(key: string): number {
    return this.db
      .prepare<[string], { n: number }>('SELECT count(*) AS n FROM crawl_files WHERE crawl_key = ?')
      .get(key)!.n;
  }

  countCategoryFiles(category: string): number {
    return this.db
      .prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM file_categories WHERE category = ?',
      )
      .get(category)!.n;
  }
}

function toManifestFile(row: FileRow): ManifestFile {
  return {
    sha1: row.sha1,
    pageId: row.page_id,
    title: row.title,
    sourceUrl: row.source_url,
    url: row.url,
    mime: row.mime,
    mediaType: row.media_type,
    size: row.size,
    duration: orUndefined(row.duration),
    license: JSON.parse(row.license_json) as LicenseRecord,
    localPath: orUndefined(row.local_path),
    status: row.status,
    reason: orUndefined(row.reason),
    categories: JSON.parse(row.categories ?? '[]') as string[],
    themes: JSON.parse(row.themes ?? '[]') as string[],
    listedAt: row.listed_at,
    downloadedAt: orUndefined(row.downloaded_at),
    preppedAt: orUndefined(row.prepped_at),
    encodedAt: orUndefined(row.encoded_at),
    failedAt: orUndefined(row.failed_at),
    updatedAt: row.updated_at,
  };
}

export interface OpenManifestOptions {
  /** Create the manifest when the data folder has none (default true). */
  create?: boolean;
}

/** Opens (creating and migrating as needed) the manifest of a data folder. */
export function openManifest(dataDir: string, options: OpenManifestOptions = {}): Manifest {
  return new Manifest(dataDir, options);
}
