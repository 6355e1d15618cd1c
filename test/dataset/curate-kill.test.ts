/**
 * `curate` killed for real (SIGKILL to a child process) while listing, then while downloading,
 * then run to the end: nothing is listed or downloaded twice and the manifest is whole.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommonsFixture, FIXTURE_ROOT } from '../../src/commons/fixture/index.js';
import { openManifest } from '../../src/dataset/manifest.js';
import { CONTACT, startFixture, tempDir } from '../commons/fixture.js';
import { repoRoot } from '../helpers/shared.js';

let fixture: CommonsFixture;
let temp: { dir: string; cleanup: () => void };
beforeAll(async () => {
  // Slow enough that a kill lands mid-listing and mid-download.
  fixture = await startFixture({ apiDelayMs: 60, throttleBytesPerSecond: 400_000 });
  temp = tempDir();
});
afterAll(async () => {
  await fixture.close();
  temp.cleanup();
});

interface Run {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: () => string;
  stderr: () => string;
}

function runCurate(): Run {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'src', 'cli', 'main.ts'),
      'curate',
      '--api',
      fixture.apiUrl,
      '--category',
      FIXTURE_ROOT,
      '--depth',
      '3',
      '--data',
      temp.dir,
      '--json',
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, COMMONSYNTH_CONTACT: CONTACT },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, stdout: () => out, stderr: () => err };
}

/** Waits until `ready()` holds, then kills the child with SIGKILL. */
async function killWhen(run: Run, ready: () => boolean, what: string): Promise<void> {
  let exitedEarly = false;
  void run.exited.then(() => {
    exitedEarly = true;
  });
  const deadline = Date.now() + 60_000;
  while (!ready()) {
    if (exitedEarly) throw new Error(`curate ended before ${what}: ${run.stderr()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  run.child.kill('SIGKILL');
  expect(await run.exited).toEqual({ code: null, signal: 'SIGKILL' });
}

const paramsKey = (params: Record<string, string>): string =>
  JSON.stringify(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)));

describe('curate after SIGKILL', () => {
  it('goes on where it stopped: nothing re-listed or downloaded twice, the manifest complete', async () => {
    const wiki = fixture.wiki;
    const refused = [
      'File:Non-free jingle.flac',
      'File:Noncommercial rain.flac',
      'File:No derivatives wind.flac',
      'File:Mystery license.flac',
      'File:Talking head.webm',
      'File:Duplicate upload of an animal.flac',
    ];
    const expected = wiki.files.filter((f) => !refused.includes(f.title));

    // 1. Killed while listing.
    const first = runCurate();
    await killWhen(first, () => fixture.log.api.length >= 12, 'twelve API requests');
    const apiAfterFirst = fixture.log.api.length;
    expect(fixture.log.downloads).toHaveLength(0);

    // 2. Killed while downloading (listing finishes first).
    const second = runCurate();
    await killWhen(
      second,
      () => fixture.log.downloads.filter((d) => d.completed).length >= 4,
      'four downloads',
    );
    const apiAfterSecond = fixture.log.api.length;
    const downloadsAfterSecond = fixture.log.downloads.length;
    expect(downloadsAfterSecond).toBeLessThan(expected.length);

    // 3. Runs to the end.
    const third = runCurate();
    const end = await third.exited;
    expect(end, third.stderr()).toEqual({ code: 0, signal: null });
    const summary = JSON.parse(third.stdout());
    expect(summary).toMatchObject({ totalFiles: expected.length, crawlComplete: true, failed: [] });

    // Listing: the second run went on from the first; nothing was asked for twice but the
    // request in flight at the kill. The third run asked the API nothing.
    const keys = fixture.log.api.map((e) => paramsKey(e.params));
    const firstRun = new Set(keys.slice(0, apiAfterFirst));
    const repeated = keys.slice(apiAfterFirst, apiAfterSecond).filter((k) => firstRun.has(k));
    expect(repeated.length).toBeLessThanOrEqual(1);
    expect(fixture.log.api.length).toBe(apiAfterSecond);
    expect(apiAfterSecond - apiAfterFirst).toBeGreaterThan(0);

    // Downloads: each file sent to its end from byte 0 at most once, and never close to twice
    // its size in all (only what was in flight at the kill may be sent again).
    for (const file of expected) {
      const requests = fixture.log.downloads.filter((d) => d.sha1 === file.sha1);
      expect(
        requests.filter((d) => d.start === 0 && d.completed).length,
        file.title,
      ).toBeLessThanOrEqual(1);
      expect(
        requests.some((d) => d.completed),
        file.title,
      ).toBe(true);
      const sent = requests.reduce((sum, d) => sum + d.bytesSent, 0);
      expect(sent, file.title).toBeLessThanOrEqual(file.bytes.length + 64 * 1024);
    }
    // The kill really interrupted downloads: the third run fetched the rest, not everything.
    const thirdRunShas = new Set(
      fixture.log.downloads.slice(downloadsAfterSecond).map((d) => d.sha1),
    );
    expect(thirdRunShas.size).toBeGreaterThan(0);
    expect(thirdRunShas.size).toBeLessThan(expected.length);
    // A download in flight at the kill (two run at once) was resumed from its partial file.
    const resumed = fixture.log.downloads.slice(downloadsAfterSecond).filter((d) => d.start > 0);
    expect(resumed.length).toBeGreaterThan(0);
    for (const d of resumed) expect(d.range).toBe(`bytes=${d.start}-`);

    // The manifest is complete and consistent.
    const manifest = openManifest(temp.dir, { create: false });
    try {
      expect(manifest.db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(manifest.db.pragma('foreign_key_check')).toEqual([]);
      const files = manifest.listFiles();
      expect(files.map((f) => f.sha1).sort()).toEqual(
        [...new Set(expected.map((f) => f.sha1))].sort(),
      );
      for (const file of files) {
        expect(file.status).toBe('downloaded');
        expect(file.categories.length).toBeGreaterThan(0);
        const bytes = readFileSync(manifest.store.resolve(file.localPath!));
        expect(createHash('sha1').update(bytes).digest('hex')).toBe(file.sha1);
      }
      const stored = readdirSync(manifest.store.root, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => e.name);
      expect(stored.sort()).toEqual(files.map((f) => f.localPath!.split('/').pop()).sort());
      const pending = manifest.db
        .prepare(
          'SELECT title FROM crawl_categories WHERE files_done = 0 OR (subcats_done = 0 AND depth < 3)',
        )
        .all();
      expect(pending).toEqual([]);
      expect(manifest.stats().dropped).toEqual({
        'non-free': 1,
        'non-commercial': 1,
        'no-derivatives': 1,
        unparseable: 1,
        'not-audio': 1,
      });
    } finally {
      manifest.close();
    }
  });
});
