import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CommonsFixture,
  deepCategory,
  FIXTURE_ROOT,
  fixtureThemes,
  moreCategory,
  TRICKY_TITLE,
  themeCategory,
} from '../../src/commons/fixture/index.js';
import { exportFiles } from '../../src/dataset/credits.js';
import { type CurateOptions, curate } from '../../src/dataset/curate.js';
import { openManifest } from '../../src/dataset/manifest.js';
import { UsageError } from '../../src/errors.js';
import { CONTACT, FAST_BACKOFF, startFixture, tempDir } from '../commons/fixture.js';
import { corpusManifest } from '../helpers/shared.js';

let fixture: CommonsFixture;
let temp: { dir: string; cleanup: () => void };
beforeEach(async () => {
  fixture = await startFixture();
  temp = tempDir();
});
afterEach(async () => {
  await fixture.close();
  temp.cleanup();
});

const REFUSED: Record<string, string> = {
  'File:Non-free jingle.flac': 'non-free',
  'File:Noncommercial rain.flac': 'non-commercial',
  'File:No derivatives wind.flac': 'no-derivatives',
  'File:Mystery license.flac': 'unparseable',
  'File:Talking head.webm': 'not-audio',
};

function options(extra: Partial<CurateOptions>): CurateOptions {
  return {
    dataDir: temp.dir,
    contact: CONTACT,
    apiUrl: fixture.apiUrl,
    config: { themes: fixtureThemes() },
    retry: FAST_BACKOFF,
    ...extra,
  };
}

const sha1Of = (path: string): string =>
  createHash('sha1').update(readFileSync(path)).digest('hex');

/** Every path under `dir`, relative, with "/" separators. */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    out.push(relative(temp.dir, path).split(sep).join('/'));
    if (entry.isDirectory()) out.push(...walk(path));
  }
  return out;
}

describe('curate against the local Commons', () => {
  it('crawls a themed tree with cycles within the depth limit, each file once, with correct license records', async () => {
    const shallow = await curate(options({ theme: 'animal', depth: 1, listOnly: true }));
    const wiki = fixture.wiki;
    const files = (cat: string) => wiki.categoryFiles.get(cat) ?? [];
    expect(shallow.totalFiles).toBe(
      files(themeCategory('animal')).length + files(moreCategory('animal')).length,
    );
    expect(shallow.crawlComplete).toBe(true);

    const deeper = await curate(options({ theme: 'animal', depth: 2, listOnly: true }));
    expect(deeper.listed).toBe(files(deepCategory('animal')).length);
    const manifest = openManifest(temp.dir);
    try {
      const listed = manifest.listFiles({ theme: 'animal' });
      expect(listed.map((f) => f.title).sort()).toEqual(
        [
          ...files(themeCategory('animal')),
          ...files(moreCategory('animal')),
          ...files(deepCategory('animal')),
        ].sort(),
      );
      // Checked against the corpus manifest, which the fixture's extmetadata was made from.
      const corpus = new Map(corpusManifest().map((row) => [row.sha1, row]));
      for (const file of listed) {
        const row = corpus.get(file.sha1)!;
        expect(file.license.author).toBe(row.author);
        expect(file.license.licenseUrl).toBe(row.license_url);
        expect(file.license.license).toBe(row.license === 'CC0' ? 'CC0' : 'CC BY 3.0');
        expect(file.license.licenseKind).toBe(row.license === 'CC0' ? 'cc0' : 'cc-by');
        expect(file.license.attributionRequired).toBe(row.license !== 'CC0');
        expect(file.license.source).toBe(
          `${fixture.baseUrl}/wiki/${encodeURIComponent(file.title.replace(/ /g, '_')).replace(/%3A/g, ':')}`,
        );
        expect(file.size).toBe(Number(row.bytes));
        // ESC-50 clips are exactly five seconds long.
        expect(file.duration).toBeCloseTo(5, 3);
      }
    } finally {
      manifest.close();
    }
  });

  it('drops and counts non-free, NC, ND, unlicensed and video files; a wrong sha1 fails alone; a cut download resumes', async () => {
    const wiki = fixture.wiki;
    const bad = wiki.files.find((f) => f.theme === 'music')!;
    const cut = wiki.files.find((f) => f.theme === 'human')!;
    fixture.faults.corrupt.add(bad.sha1);
    fixture.faults.cutShort.add(cut.sha1);
    const summary = await curate(options({ categories: [FIXTURE_ROOT], depth: 3 }));

    expect(summary.dropped).toEqual({
      'non-free': 1,
      'non-commercial': 1,
      'no-derivatives': 1,
      unparseable: 1,
      'not-audio': 1,
    });
    expect(summary.duplicates).toBe(1);
    const kept = wiki.files.filter(
      (f) => !(f.title in REFUSED) && f.title !== 'File:Duplicate upload of an animal.flac',
    );
    expect(summary.totalFiles).toBe(kept.length);
    expect(summary.crawlComplete).toBe(true);
    expect(summary.failed).toEqual([
      {
        sha1: bad.sha1,
        title: bad.title,
        reason: expect.stringMatching(/^sha1 mismatch: expected /),
      },
    ]);
    expect(summary.downloaded).toBe(kept.length - 1);

    const manifest = openManifest(temp.dir);
    try {
      expect(manifest.stats().dropped).toEqual(summary.dropped);
      const drops = manifest.db.prepare('SELECT title, reason FROM drops ORDER BY title').all();
      expect(drops).toEqual(
        Object.entries(REFUSED)
          .map(([title, reason]) => ({ title, reason }))
          .sort((a, b) => a.title.localeCompare(b.title)),
      );
      expect(manifest.getFile(bad.sha1)).toMatchObject({
        status: 'failed',
        reason: expect.stringContaining('sha1 mismatch'),
      });
      for (const file of manifest.listFiles({ status: 'downloaded' })) {
        expect(sha1Of(manifest.store.resolve(file.localPath!))).toBe(file.sha1);
      }
      expect(manifest.listFiles({ status: 'downloaded' })).toHaveLength(kept.length - 1);
      // Licenses of the kept traps.
      const byTitle = new Map(manifest.listFiles().map((f) => [f.title, f]));
      expect(byTitle.get('File:Share-alike stream.flac')?.license.licenseKind).toBe('cc-by-sa');
      expect(byTitle.get('File:Free art birds.flac')?.license.licenseKind).toBe('free-art');
      expect(byTitle.get('File:Documented thunder.flac')?.license.licenseKind).toBe('gfdl');
      // The duplicate upload is linked to the original, not stored twice.
      const original = wiki.files.find(
        (f) => f.title === 'File:Duplicate upload of an animal.flac',
      )!;
      expect(manifest.getFile(original.sha1)?.categories).toContain('Category:Fixture traps');
    } finally {
      manifest.close();
    }
    const cutRequests = fixture.log.downloads.filter((d) => d.sha1 === cut.sha1);
    expect(cutRequests.map((d) => d.status)).toEqual([200, 206]);
    expect(cutRequests[1].range).toBe(`bytes=${Math.floor(cut.bytes.length / 2)}-`);

    // A second run asks nothing more: the crawl is complete and every file is in place.
    const apiBefore = fixture.log.api.length;
    const downloadsBefore = fixture.log.downloads.length;
    const again = await curate(options({ categories: [FIXTURE_ROOT], depth: 3 }));
    expect(fixture.log.api.length).toBe(apiBefore);
    expect(fixture.log.downloads.length).toBe(downloadsBefore);
    expect(again).toMatchObject({ listed: 0, downloaded: 0, failed: [], totalFiles: kept.length });

    // Once the server is fixed, --retry-failed fetches the failed file, and only it.
    fixture.faults.corrupt.delete(bad.sha1);
    const retried = await curate(
      options({ categories: [FIXTURE_ROOT], depth: 3, retryFailed: true }),
    );
    expect(retried).toMatchObject({ downloaded: 1, failed: [] });
    expect(fixture.log.downloads.slice(downloadsBefore).map((d) => d.sha1)).toEqual([bad.sha1]);
  });

  it('stores a title with "/", "..", unicode and spaces by content address only, inside the data folder', async () => {
    await curate(options({ categories: ['Category:Fixture traps'], depth: 0 }));
    const tricky = fixture.wiki.files.find((f) => f.title === TRICKY_TITLE)!;
    const manifest = openManifest(temp.dir);
    let localPath: string | undefined;
    try {
      const file = manifest.getFile(tricky.sha1)!;
      expect(file.title).toBe(TRICKY_TITLE);
      localPath = file.localPath;
      expect(localPath).toBe(`store/${tricky.sha1.slice(0, 2)}/${tricky.sha1}.flac`);
      expect(manifest.creditsFor([tricky.sha1])[0].title).toBe(TRICKY_TITLE.replace(/^File:/, ''));
    } finally {
      manifest.close();
    }
    const root = realpathSync(temp.dir);
    const entries = walk(temp.dir);
    for (const entry of entries) {
      const path = join(temp.dir, entry);
      expect(lstatSync(path).isSymbolicLink()).toBe(false);
      expect(realpathSync(path).startsWith(root + sep)).toBe(true);
      expect(entry).toMatch(
        /^(manifest\.sqlite(-wal|-shm)?|store|store\/\.partial|store\/[0-9a-f]{2}|store\/[0-9a-f]{2}\/[0-9a-f]{40}\.(flac|ogg|wav))$/,
      );
    }
    expect(entries).toContain(localPath);
    expect(sha1Of(join(temp.dir, localPath!))).toBe(tricky.sha1);
  });

  it('stops at --limit and goes on from there when run again with a higher one', async () => {
    const first = await curate(
      options({ categories: [FIXTURE_ROOT], depth: 3, limit: 4, pageSize: 2, listOnly: true }),
    );
    expect(first).toMatchObject({ totalFiles: 4, crawlComplete: false });
    const requestsFirst = fixture.log.api.map((e) => JSON.stringify(e.params));
    const second = await curate(
      options({ categories: [FIXTURE_ROOT], depth: 3, limit: 9, pageSize: 2, listOnly: true }),
    );
    expect(second).toMatchObject({ totalFiles: 9, listed: 5, crawlComplete: false });
    const requestsSecond = fixture.log.api
      .slice(requestsFirst.length)
      .map((e) => JSON.stringify(e.params));
    // At most the batch where the limit struck is asked for again.
    expect(requestsSecond.filter((r) => requestsFirst.includes(r)).length).toBeLessThanOrEqual(1);
    const rest = await curate(
      options({ categories: [FIXTURE_ROOT], depth: 3, pageSize: 2, listOnly: true }),
    );
    expect(rest.crawlComplete).toBe(true);
    const everything = await curate(
      options({
        categories: [FIXTURE_ROOT],
        depth: 3,
        listOnly: true,
        dataDir: join(temp.dir, 'one-go'),
      }),
    );
    expect(rest.totalFiles).toBe(everything.totalFiles);
  });

  it('keeps to a per-category cap and a duration range', async () => {
    const capped = await curate(
      options({ categories: [FIXTURE_ROOT], depth: 3, perCategoryCap: 1, listOnly: true }),
    );
    const manifest = openManifest(temp.dir);
    try {
      const counts = manifest.db
        .prepare<[], { category: string; n: number }>(
          'SELECT category, count(*) AS n FROM file_categories GROUP BY category',
        )
        .all();
      expect(counts.length).toBeGreaterThan(5);
      expect(counts.every((c) => c.n === 1)).toBe(true);
      expect(capped.totalFiles).toBe(counts.length);
    } finally {
      manifest.close();
    }
    const short = await curate(
      options({
        theme: 'nature',
        media: { minDuration: 6 },
        listOnly: true,
        dataDir: join(temp.dir, 'long-only'),
      }),
    );
    // Every fixture nature file is a 5 s ESC-50 clip.
    expect(short.totalFiles).toBe(0);
    expect(short.dropped).toEqual({ 'too-short': 3 });
  });

  it('exports credits and CSV that match the manifest', async () => {
    await curate(options({ theme: 'music' }));
    const manifest = openManifest(temp.dir);
    try {
      const files = manifest.listFiles();
      expect(files.length).toBe(3);
      const credits = manifest.creditsFor(files.map((f) => f.sha1));
      for (const [i, credit] of credits.entries()) {
        expect(credit.path).toBe(join(temp.dir, files[i].localPath!));
        expect(sha1Of(credit.path!)).toBe(credit.sha1);
        expect(credit.author).toBe(files[i].license.author);
      }
      const rows = parse(exportFiles(files, 'csv'), { columns: true }) as Array<
        Record<string, string>
      >;
      expect(
        rows.map((r) => [
          r.sha1,
          r.title,
          r.license,
          r.themes,
          r.local_path,
          r.attribution_required,
        ]),
      ).toEqual(
        files.map((f) => [
          f.sha1,
          f.title,
          f.license.license,
          'music',
          f.localPath,
          String(f.license.attributionRequired),
        ]),
      );
      const jsonl = exportFiles(files, 'jsonl')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(jsonl.map((r) => r.sha1)).toEqual(files.map((f) => f.sha1));
    } finally {
      manifest.close();
    }
  });

  it('refuses unclear requests with usage errors', async () => {
    await expect(curate(options({}))).rejects.toThrow(UsageError);
    await expect(curate(options({ theme: 'music', categories: ['X'] }))).rejects.toThrow(
      /either a theme/,
    );
    await expect(curate(options({ theme: 'jazz' }))).rejects.toThrow(/unknown theme "jazz"/);
    await expect(curate(options({ theme: 'music', limit: -1 }))).rejects.toThrow(/limit must be/);
    await expect(curate(options({ theme: 'music', contact: '' }))).rejects.toThrow(
      /contact is required/,
    );
    expect(fixture.log.api).toHaveLength(0);
  });
});
