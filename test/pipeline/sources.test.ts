import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingStore } from '../../src/pipeline/embedding-store.js';
import { runPipeline } from '../../src/pipeline/run.js';
import { folderSources } from '../../src/pipeline/sources.js';
import { corpusDir, corpusManifest } from '../helpers/shared.js';

/** Real corpus rows: the nature sounds with a CC BY license (they carry an attribution duty). */
const attributed = () =>
  corpusManifest().filter((row) => row.theme === 'nature' && row.license === 'CC-BY');

let dir: string;

beforeAll(async () => {
  // A user's own folder: sounds in a subfolder, described by a manifest.csv that lists them by
  // path only (the sha1 column left empty, as a hand-written manifest would).
  dir = await mkdtemp(join(tmpdir(), 'commonsynth-sources-'));
  await mkdir(join(dir, 'sounds'));
  const rows = attributed();
  expect(rows.length).toBeGreaterThanOrEqual(2);
  for (const row of rows) {
    await copyFile(join(corpusDir(), row.file), join(dir, 'sounds', basename(row.file)));
  }
  await writeFile(
    join(dir, 'manifest.csv'),
    stringify(
      rows.map((row) => ({ ...row, file: `sounds/${basename(row.file)}`, sha1: '' })),
      { header: true },
    ),
  );
});

describe('folderSources', () => {
  it('matches manifest rows without sha1 when --source is a relative path (issue 12 #2)', async () => {
    const rel = relative(process.cwd(), join(dir, 'sounds'));
    const sources = await folderSources(rel);
    const rows = new Map(attributed().map((row) => [basename(row.file), row]));
    expect(sources).toHaveLength(rows.size);
    for (const source of sources) {
      const row = rows.get(basename(source.path));
      expect(row, source.path).toBeDefined();
      expect(source.credit).toMatchObject({
        title: row!.title,
        author: row!.author,
        license: row!.license,
        licenseUrl: row!.license_url,
        sourceUrl: row!.source_url,
      });
      // The sha1 is computed from the file, since the row has none.
      expect(source.credit.sha1).toBe(row!.sha1);
    }
  });
});

describe('run --out inside --source (issue 12 #7)', () => {
  it('never takes its own outputs as sources, on the first run or the next', async () => {
    const source = join(dir, 'sounds');
    const outDir = join(source, 'out');
    const run = () =>
      runPipeline({
        source: { kind: 'folder', dir: source },
        outDir,
        pairs: 1,
        lengthSeconds: 3,
        seed: 2,
        storeDir: join(dir, 'store'),
      });
    const first = await run();
    const second = await run();
    expect(second.counts.sources).toBe(first.counts.sources);
    expect(second.counts.sources).toBe(attributed().length);
    // The second run is the same job: every clip reused, no output taken in.
    expect(second.counts.clipsReused).toBe(1);
    const listed = await folderSources(source, { exclude: outDir });
    expect(listed.filter((s) => s.path.startsWith(outDir))).toEqual([]);
  });
});

const used0 = (report: { clips: { sources: string[] }[] }) => report.clips[0].sources[0];

describe('a damaged embedding-store entry (issue 12 #8)', () => {
  it('is encoded again and replaced, instead of failing that source on every run', async () => {
    const source = join(dir, 'sounds');
    const storeDir = join(dir, 'store-damaged');
    const run = (out: string) =>
      runPipeline({
        source: { kind: 'folder', dir: source },
        outDir: join(dir, out),
        pairs: 1,
        lengthSeconds: 3,
        seed: 5,
        storeDir,
      });
    const first = await run('damaged-1');
    expect(first.counts.encoded).toBe(2);
    const sha1 = (await folderSources(source)).find((s) => s.path === used0(first))!.sha1;
    // Wherever run keeps it (its key may carry a loudness suffix): the entry of that sha1.
    const keys = await readdir(storeDir);
    const entry = keys
      .map((key) => new EmbeddingStore(storeDir).pathFor(sha1, key))
      .find((path) => existsSync(path))!;
    expect(entry).toBeDefined();
    // A write cut short: half the file.
    const bytes = await readFile(entry);
    await writeFile(entry, bytes.subarray(0, bytes.length >> 1));
    const second = await run('damaged-2');
    expect(second.failures).toEqual([]);
    expect(second.counts).toMatchObject({ encoded: 2, encodedReused: 1 });
    expect((await readFile(entry)).equals(bytes)).toBe(true);
  });
});
