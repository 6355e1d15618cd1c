import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader, type DownloadTarget } from '../../src/commons/download.js';
import type { CommonsFixture, FixtureFile } from '../../src/commons/fixture/index.js';
import type { Clock } from '../../src/commons/politeness.js';
import { VERSION } from '../../src/version.js';
import { CONTACT, FAST_BACKOFF, startFixture, tempDir } from './fixture.js';

let fixture: CommonsFixture | undefined;
let temp: { dir: string; cleanup: () => void };
beforeEach(() => {
  temp = tempDir();
});
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
  temp.cleanup();
});

function target(f: CommonsFixture, file: FixtureFile): DownloadTarget {
  return {
    url: f.fileUrl(file),
    sha1: file.sha1,
    size: file.bytes.length,
    finalPath: join(temp.dir, 'store', `${file.sha1}.flac`),
    tempPath: join(temp.dir, 'partial', `${file.sha1}.part`),
  };
}

const sha1 = (bytes: Buffer): string => createHash('sha1').update(bytes).digest('hex');
const audioFiles = (f: CommonsFixture) => f.wiki.files.filter((file) => file.mediatype === 'AUDIO');

describe('Downloader against the local Commons', () => {
  it('never runs more than 2 downloads at once (measured in the server)', async () => {
    fixture = await startFixture({ throttleBytesPerSecond: 2_000_000 });
    const files = audioFiles(fixture).slice(0, 6);
    const downloader = new Downloader({
      contact: CONTACT,
      retry: FAST_BACKOFF,
      bandwidthMbps: 1000,
    });
    const outcomes = await Promise.all(
      files.map((file) => downloader.download(target(fixture!, file))),
    );
    expect(outcomes.map((o) => o.status)).toEqual(files.map(() => 'downloaded'));
    expect(fixture.peak.downloads).toBe(2);
    expect(
      fixture.log.downloads.every((d) => d.userAgent === `commonsynth/${VERSION} (${CONTACT})`),
    ).toBe(true);

    // The server's measurement does see more when a client allows more.
    const before = { ...fixture.peak };
    fixture.peak.downloads = 0;
    const greedy = new Downloader({
      contact: CONTACT,
      maxConcurrentPerHost: 4,
      bandwidthMbps: 1000,
    });
    const other = tempDir();
    try {
      await Promise.all(
        files.map((file) =>
          greedy.download({
            ...target(fixture!, file),
            finalPath: join(other.dir, file.sha1),
            tempPath: join(other.dir, `${file.sha1}.part`),
          }),
        ),
      );
    } finally {
      other.cleanup();
    }
    expect(before.downloads).toBe(2);
    expect(fixture.peak.downloads).toBe(4);
  });

  it('resumes a download cut at half its length with a Range request', async () => {
    fixture = await startFixture();
    const file = audioFiles(fixture)[0];
    fixture.faults.cutShort.add(file.sha1);
    const downloader = new Downloader({ contact: CONTACT, retry: FAST_BACKOFF });
    const outcome = await downloader.download(target(fixture, file));
    expect(outcome).toMatchObject({ status: 'downloaded', bytes: file.bytes.length });
    const half = Math.floor(file.bytes.length / 2);
    const requests = fixture.log.downloads.filter((d) => d.sha1 === file.sha1);
    expect(requests.map((r) => [r.status, r.range, r.bytesSent])).toEqual([
      [200, undefined, half],
      [206, `bytes=${half}-`, file.bytes.length - half],
    ]);
    expect(requests[0].cut).toBe(true);
    const stored = readFileSync(target(fixture, file).finalPath);
    expect(sha1(stored)).toBe(file.sha1);
    expect(existsSync(target(fixture, file).tempPath)).toBe(false);
  });

  it('drops a download that goes silent and resumes it with a Range request', async () => {
    fixture = await startFixture();
    const file = audioFiles(fixture)[4];
    fixture.faults.stall.add(file.sha1);
    const downloader = new Downloader({
      contact: CONTACT,
      retry: FAST_BACKOFF,
      stallTimeoutMs: 300,
    });
    const outcome = await downloader.download(target(fixture, file));
    expect(outcome).toMatchObject({ status: 'downloaded', bytes: file.bytes.length });
    const half = Math.floor(file.bytes.length / 2);
    const requests = fixture.log.downloads.filter((d) => d.sha1 === file.sha1);
    expect(requests.map((r) => [r.range, r.bytesSent])).toEqual([
      [undefined, half],
      [`bytes=${half}-`, file.bytes.length - half],
    ]);
    expect(sha1(readFileSync(target(fixture, file).finalPath))).toBe(file.sha1);
  });

  it('resumes from a partial file left by an earlier process', async () => {
    fixture = await startFixture();
    const file = audioFiles(fixture)[1];
    const t = target(fixture, file);
    const third = Math.floor(file.bytes.length / 3);
    mkdirSync(join(temp.dir, 'partial'), { recursive: true });
    writeFileSync(t.tempPath, file.bytes.subarray(0, third));
    const outcome = await new Downloader({ contact: CONTACT }).download(t);
    expect(outcome).toEqual({
      status: 'downloaded',
      path: t.finalPath,
      bytes: file.bytes.length,
      resumedFrom: third,
    });
    expect(fixture.log.downloads.map((d) => d.range)).toEqual([`bytes=${third}-`]);
    expect(sha1(readFileSync(t.finalPath))).toBe(file.sha1);
  });

  it('retries a file whose sha1 does not match, then fails it with the reason; others are unaffected', async () => {
    fixture = await startFixture();
    const [bad, good] = audioFiles(fixture);
    fixture.faults.corrupt.add(bad.sha1);
    const downloader = new Downloader({ contact: CONTACT, retry: FAST_BACKOFF });
    const [badOutcome, goodOutcome] = await Promise.all([
      downloader.download(target(fixture, bad)),
      downloader.download(target(fixture, good)),
    ]);
    expect(badOutcome.status).toBe('failed');
    expect(badOutcome.status === 'failed' && badOutcome.reason).toMatch(
      new RegExp(`^sha1 mismatch: expected ${bad.sha1}, got [0-9a-f]{40} \\(2 attempts\\)$`),
    );
    expect(fixture.log.downloads.filter((d) => d.sha1 === bad.sha1)).toHaveLength(2);
    expect(existsSync(target(fixture, bad).finalPath)).toBe(false);
    expect(existsSync(target(fixture, bad).tempPath)).toBe(false);
    expect(goodOutcome.status).toBe('downloaded');
    expect(sha1(readFileSync(target(fixture, good).finalPath))).toBe(good.sha1);
  });

  it('honours Retry-After on a 429 from the upload host', async () => {
    fixture = await startFixture();
    const file = audioFiles(fixture)[2];
    fixture.faults.downloads.push({ status: 429, retryAfter: 1 });
    const waits: number[] = [];
    const downloader = new Downloader({ contact: CONTACT, onWait: (w) => waits.push(w.delayMs) });
    expect((await downloader.download(target(fixture, file))).status).toBe('downloaded');
    const [refused, served] = fixture.log.downloads;
    expect([refused.status, served.status]).toEqual([429, 200]);
    expect(served.at - refused.at).toBeGreaterThanOrEqual(990);
    expect(waits).toEqual([1000]);
  });

  it('does not fetch a file that is already in place and verified', async () => {
    fixture = await startFixture();
    const file = audioFiles(fixture)[3];
    const t = target(fixture, file);
    mkdirSync(join(temp.dir, 'store'), { recursive: true });
    writeFileSync(t.finalPath, file.bytes);
    const outcome = await new Downloader({ contact: CONTACT }).download(t);
    expect(outcome).toEqual({ status: 'present', path: t.finalPath, bytes: file.bytes.length });
    expect(fixture.log.downloads).toHaveLength(0);
  });

  it('fails a missing file at once with the HTTP status', async () => {
    fixture = await startFixture();
    const file = audioFiles(fixture)[0];
    const outcome = await new Downloader({ contact: CONTACT }).download({
      ...target(fixture, file),
      url: `${fixture.baseUrl}/upload/x/xx/Missing.ogg`,
    });
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('HTTP 404'),
    });
  });

  it('keeps to the bandwidth cap (waits counted on an injected clock)', async () => {
    fixture = await startFixture();
    const files = audioFiles(fixture).slice(0, 3);
    let slept = 0;
    const clock: Clock = {
      now: () => Date.now(),
      sleep: async (ms) => {
        slept += ms;
      },
    };
    // 1 Mbit/s = 125 000 bytes/s with a 64 KiB burst.
    const downloader = new Downloader({ contact: CONTACT, bandwidthMbps: 1, clock });
    for (const file of files) await downloader.download(target(fixture, file));
    const bytes = files.reduce((sum, f) => sum + f.bytes.length, 0);
    const minimumMs = ((bytes - 64 * 1024) / 125_000) * 1000;
    expect(bytes).toBeGreaterThan(200_000);
    // The injected clock does not advance while "sleeping", so the waits add up to the whole debt.
    expect(slept).toBeGreaterThanOrEqual(minimumMs);
    expect(slept).toBeLessThan(minimumMs * files.length * 2);
  });
});
