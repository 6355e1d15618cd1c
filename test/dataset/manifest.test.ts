import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiImageInfo } from '../../src/commons/api.js';
import type { LicenseRecord } from '../../src/commons/licenses.js';
import { InvalidSha1Error, ManifestError, UnsafePathError } from '../../src/dataset/errors.js';
import {
  MANIFEST_FILE,
  type Manifest,
  MIGRATIONS,
  migrate,
  openManifest,
  SCHEMA_VERSION,
} from '../../src/dataset/manifest.js';
import { ContentStore } from '../../src/dataset/store.js';
import { tempDir } from '../commons/fixture.js';

let temp: { dir: string; cleanup: () => void };
let manifest: Manifest | undefined;
beforeEach(() => {
  temp = tempDir();
});
afterEach(() => {
  manifest?.close();
  manifest = undefined;
  temp.cleanup();
});

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(39) + 'c';

function info(sha1: string, size = 1000): ApiImageInfo {
  return {
    url: `https://upload.example.org/${sha1}.ogg`,
    descriptionurl: `https://commons.example.org/wiki/File:${sha1}.ogg`,
    size,
    duration: 2.5,
    sha1,
    mime: 'application/ogg',
    mediatype: 'AUDIO',
  };
}

function license(title: string, kind: LicenseRecord['licenseKind'] = 'cc-by'): LicenseRecord {
  return {
    title,
    author: `Author of ${title}`,
    source: `https://commons.example.org/wiki/${title}`,
    license: kind === 'cc0' ? 'CC0' : 'CC BY 4.0',
    licenseUrl: kind === 'cc0' ? undefined : 'https://creativecommons.org/licenses/by/4.0',
    licenseKind: kind,
    attributionRequired: kind !== 'cc0',
  };
}

function seed(m: Manifest): void {
  m.addListed({
    pageId: 1,
    title: 'File:A.ogg',
    info: info(SHA_A, 100),
    license: license('File:A.ogg'),
    category: 'Category:Birds',
    theme: 'animal',
    crawlKey: 'theme:animal',
  });
  m.addListed({
    pageId: 2,
    title: 'File:B.ogg',
    info: info(SHA_B, 300),
    license: license('File:B.ogg', 'cc0'),
    category: 'Category:Rain',
    theme: 'nature',
    crawlKey: 'theme:nature',
  });
}

describe('manifest', () => {
  it('is created with every migration applied, and reopened without change', () => {
    manifest = openManifest(temp.dir);
    expect(manifest.schemaVersion).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    seed(manifest);
    manifest.close();
    manifest = openManifest(temp.dir);
    expect(manifest.listFiles()).toHaveLength(2);
  });

  it('brings an older manifest up to date, keeping its rows', () => {
    const path = join(temp.dir, MANIFEST_FILE);
    const old = new Database(path);
    migrate(old, path, 1);
    expect(old.pragma('user_version', { simple: true })).toBe(1);
    old
      .prepare(
        `INSERT INTO files (sha1, page_id, title, source_url, url, mime, media_type, size, author, license,
           license_kind, attribution_required, license_json, status, listed_at, updated_at)
         VALUES (?, 7, 'File:Old.ogg', 's', 'u', 'application/ogg', 'AUDIO', 5, 'x', 'CC0', 'cc0', 0, ?, 'listed', 't', 't')`,
      )
      .run(SHA_A, JSON.stringify(license('File:Old.ogg', 'cc0')));
    old.close();
    manifest = openManifest(temp.dir);
    expect(manifest.schemaVersion).toBe(SCHEMA_VERSION);
    expect(manifest.getFile(SHA_A)?.title).toBe('File:Old.ogg');
    const indexes = manifest.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'files_status'")
      .all();
    expect(indexes).toHaveLength(1);
  });

  it('refuses a manifest from a newer commonsynth, naming the file', () => {
    const path = join(temp.dir, MANIFEST_FILE);
    const future = new Database(path);
    future.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    future.close();
    expect(() => openManifest(temp.dir)).toThrow(ManifestError);
    expect(() => openManifest(temp.dir)).toThrow(
      new RegExp(`${MANIFEST_FILE}: schema version ${SCHEMA_VERSION + 1} is newer`),
    );
  });

  it('refuses to create a manifest when asked to open an existing one', () => {
    expect(() => openManifest(join(temp.dir, 'nothing'), { create: false })).toThrow(
      /no manifest here/,
    );
  });

  it('moves files through statuses with timestamps; failed needs a reason', () => {
    manifest = openManifest(temp.dir);
    seed(manifest);
    expect(manifest.getFile(SHA_A)).toMatchObject({
      status: 'listed',
      categories: ['Category:Birds'],
      themes: ['animal'],
    });
    manifest.markDownloaded(
      SHA_A,
      new ContentStore(temp.dir).relativePathFor(SHA_A, 'application/ogg'),
    );
    manifest.markStatus(SHA_A, 'prepped');
    manifest.markStatus(SHA_A, 'encoded');
    const a = manifest.getFile(SHA_A)!;
    expect(a).toMatchObject({ status: 'encoded', localPath: `store/aa/${SHA_A}.ogg` });
    expect(a.downloadedAt).toBeDefined();
    expect(a.preppedAt).toBeDefined();
    expect(a.encodedAt! >= a.listedAt).toBe(true);
    expect(() => manifest!.markStatus(SHA_B, 'failed')).toThrow(/needs a reason/);
    manifest.markStatus(SHA_B, 'failed', 'decode: not an Ogg file');
    expect(manifest.getFile(SHA_B)).toMatchObject({
      status: 'failed',
      reason: 'decode: not an Ogg file',
    });
    manifest.markStatus(SHA_B, 'listed');
    expect(manifest.getFile(SHA_B)?.reason).toBeUndefined();
    expect(() => manifest!.markStatus('c'.repeat(40), 'prepped')).toThrow(/no file with sha1/);
    expect(() => manifest!.markStatus('../../etc', 'prepped')).toThrow(InvalidSha1Error);
    expect(() => manifest!.markDownloaded(SHA_A, '../outside.ogg')).toThrow(UnsafePathError);
  });

  it('links duplicates and known pages instead of adding them twice', () => {
    manifest = openManifest(temp.dir);
    seed(manifest);
    const again = manifest.addListed({
      pageId: 1,
      title: 'File:A.ogg',
      info: info(SHA_A),
      license: license('File:A.ogg'),
      category: 'Category:Songbirds',
      theme: 'nature',
    });
    const duplicate = manifest.addListed({
      pageId: 99,
      title: 'File:A copy.ogg',
      info: info(SHA_A),
      license: license('File:A copy.ogg'),
      category: 'Category:Copies',
    });
    expect([again, duplicate]).toEqual(['known', 'duplicate']);
    expect(manifest.listFiles()).toHaveLength(2);
    expect(manifest.getFile(SHA_A)).toMatchObject({
      title: 'File:A.ogg',
      categories: ['Category:Birds', 'Category:Copies', 'Category:Songbirds'],
      themes: ['animal', 'nature'],
    });
  });

  it('filters files, gives credits in the order asked, and counts stats', () => {
    manifest = openManifest(temp.dir);
    seed(manifest);
    manifest.markStatus(SHA_B, 'failed', 'sha1 mismatch');
    manifest.recordDrop(10, 'File:NC.ogg', 'non-commercial', 'CC BY-NC 4.0', 'theme:animal');
    // The same page refused by a second crawl is counted once.
    manifest.recordDrop(10, 'File:NC.ogg', 'non-commercial', 'CC BY-NC 4.0', 'theme:nature');
    expect(manifest.recordDrop(10, 'File:NC.ogg', 'non-commercial', 'again', 'theme:nature')).toBe(
      false,
    );
    expect(manifest.listFiles({ theme: 'animal' }).map((f) => f.sha1)).toEqual([SHA_A]);
    expect(manifest.listFiles({ status: 'failed' }).map((f) => f.sha1)).toEqual([SHA_B]);
    expect(manifest.listFiles({ licenseKind: 'cc0' }).map((f) => f.sha1)).toEqual([SHA_B]);
    expect(manifest.listFiles({ category: 'Category:Birds' }).map((f) => f.sha1)).toEqual([SHA_A]);
    expect(manifest.listFiles({ crawlKey: 'theme:nature' }).map((f) => f.sha1)).toEqual([SHA_B]);
    expect(manifest.listFiles({ limit: 1 })).toHaveLength(1);
    expect(manifest.creditsFor([SHA_B, SHA_A])).toEqual([
      {
        title: 'B.ogg',
        author: 'Author of File:B.ogg',
        sourceUrl: 'https://commons.example.org/wiki/File:B.ogg',
        license: 'CC0',
        licenseUrl: null,
        sha1: SHA_B,
        path: null,
      },
      {
        title: 'A.ogg',
        author: 'Author of File:A.ogg',
        sourceUrl: 'https://commons.example.org/wiki/File:A.ogg',
        license: 'CC BY 4.0',
        licenseUrl: 'https://creativecommons.org/licenses/by/4.0',
        sha1: SHA_A,
        path: null,
      },
    ]);
    expect(() => manifest!.creditsFor(['d'.repeat(40)])).toThrow(ManifestError);
    expect(manifest.stats()).toEqual({
      files: 2,
      bytes: 400,
      durationSeconds: 5,
      byStatus: { failed: 1, listed: 1 },
      byTheme: {
        animal: { files: 1, bytes: 100, durationSeconds: 2.5 },
        nature: { files: 1, bytes: 300, durationSeconds: 2.5 },
      },
      byLicense: { CC0: 1, 'CC BY 4.0': 1 },
      byLicenseKind: { cc0: 1, 'cc-by': 1 },
      dropped: { 'non-commercial': 1 },
    });
  });

  it('keeps crawl state: frontier in breadth-first order, visited set, continuation', () => {
    manifest = openManifest(temp.dir);
    manifest.beginCrawl('k', ['Category:Root'], 2);
    expect(manifest.crawlFrontier('k', 2)).toEqual([
      {
        title: 'Category:Root',
        depth: 0,
        filesContinue: undefined,
        filesDone: false,
        subcategoriesDone: false,
      },
    ]);
    manifest.saveFilesProgress('k', 'Category:Root', {
      gcmcontinue: 'file|2',
      continue: 'gcmcontinue||',
    });
    expect(manifest.crawlFrontier('k', 2)[0].filesContinue).toEqual({
      gcmcontinue: 'file|2',
      continue: 'gcmcontinue||',
    });
    manifest.saveFilesProgress('k', 'Category:Root', undefined);
    manifest.saveSubcategories('k', 'Category:Root', 0, ['Category:B', 'Category:A']);
    expect(manifest.crawlFrontier('k', 2).map((c) => [c.title, c.depth])).toEqual([
      ['Category:B', 1],
      ['Category:A', 1],
    ]);
    expect(manifest.crawlVisited('k')).toEqual(
      new Set(['Category:Root', 'Category:A', 'Category:B']),
    );
    // Depth 0 leaves nothing to do; the roots are not queued twice.
    manifest.beginCrawl('k', ['Category:Root'], 0);
    expect(manifest.crawlFrontier('k', 0)).toEqual([]);
  });
});
