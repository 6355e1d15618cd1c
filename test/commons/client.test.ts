import { afterEach, describe, expect, it } from 'vitest';
import { CommonsClient } from '../../src/commons/api.js';
import { crawlFiles, IMAGEINFO_PROPS } from '../../src/commons/crawl.js';
import { CommonsRequestError, MissingContactError } from '../../src/commons/errors.js';
import { type CommonsFixture, themeCategory } from '../../src/commons/fixture/index.js';
import type { WaitEvent } from '../../src/commons/http.js';
import { VERSION } from '../../src/version.js';
import { CONTACT, FAST_BACKOFF, startFixture } from './fixture.js';

let fixture: CommonsFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

function client(f: CommonsFixture, waits: WaitEvent[] = []): CommonsClient {
  return new CommonsClient({
    apiUrl: f.apiUrl,
    contact: CONTACT,
    retry: FAST_BACKOFF,
    onWait: (w) => waits.push(w),
  });
}

async function titlesOf(
  c: CommonsClient,
  category: string,
  pageSize: number | 'max',
): Promise<string[]> {
  const titles: string[] = [];
  for await (const batch of c.queryBatches({
    generator: 'categorymembers',
    gcmtitle: category,
    gcmtype: 'file',
    gcmlimit: pageSize,
    prop: 'imageinfo',
    iiprop: IMAGEINFO_PROPS,
  })) {
    for (const page of batch.pages) {
      // Every page of a complete batch carries its imageinfo, prop continuation or not.
      expect(page.imageinfo?.[0]?.sha1).toMatch(/^[0-9a-f]{40}$/);
      titles.push(page.title);
    }
  }
  return titles;
}

describe('CommonsClient against the local Commons', () => {
  it('identifies itself, asks for maxlag=5, formatversion=2 and gzip', async () => {
    fixture = await startFixture();
    const body = await client(fixture).request({
      action: 'query',
      list: 'categorymembers',
      cmtitle: themeCategory('music'),
      cmtype: 'subcat',
    });
    expect(body.query?.categorymembers?.map((m) => m.title)).toEqual([
      'Category:More music sounds',
    ]);
    const [entry] = fixture.log.api;
    expect(entry.userAgent).toBe(`commonsynth/${VERSION} (${CONTACT})`);
    expect(entry.params).toMatchObject({ maxlag: '5', format: 'json', formatversion: '2' });
    expect(entry.acceptEncoding).toContain('gzip');
    // The answer really came gzipped, and was decoded.
    expect(entry.gzipped).toBe(true);
  });

  it('refuses to be built without a contact', () => {
    expect(
      () => new CommonsClient({ apiUrl: 'http://127.0.0.1:9/w/api.php', contact: '' }),
    ).toThrow(MissingContactError);
  });

  it('continuation over several small pages (with prop continuation) yields the same set as one page', async () => {
    fixture = await startFixture({ imageinfoPerResponse: 2 });
    const category = 'Category:Fixture traps';
    const onePage = await titlesOf(client(fixture), category, 'max');
    const requestsForOnePage = fixture.log.api.length;
    const smallPages = await titlesOf(client(fixture), category, 3);
    const requestsForSmallPages = fixture.log.api.length - requestsForOnePage;
    expect(onePage.length).toBe(fixture.wiki.categoryFiles.get(category)!.length);
    expect(onePage.length).toBeGreaterThan(6);
    expect(new Set(smallPages)).toEqual(new Set(onePage));
    expect(smallPages.length).toBe(onePage.length);
    // It really took several requests, with gcmcontinue and iicontinue both used.
    expect(requestsForSmallPages).toBeGreaterThan(requestsForOnePage);
    const sent = fixture.log.api.slice(requestsForOnePage).map((e) => e.params);
    expect(sent.some((p) => p.gcmcontinue !== undefined)).toBe(true);
    expect(sent.some((p) => p.iicontinue !== undefined)).toBe(true);
  });

  it('waits out a 429 with Retry-After: 2 before asking again', async () => {
    fixture = await startFixture();
    fixture.faults.api.push({ kind: 'http', status: 429, retryAfter: 2 });
    const waits: WaitEvent[] = [];
    const body = await client(fixture, waits).request({
      action: 'query',
      list: 'categorymembers',
      cmtitle: themeCategory('nature'),
      cmtype: 'subcat',
    });
    expect(body.query?.categorymembers).toHaveLength(1);
    const [refused, retried] = fixture.log.api;
    expect(refused.status).toBe(429);
    expect(retried.status).toBe(200);
    // Measured by the server: the retry came no sooner than 2 s after the 429.
    expect(retried.at - refused.at).toBeGreaterThanOrEqual(1990);
    expect(waits).toEqual([
      expect.objectContaining({ reason: 'retry-after', status: 429, delayMs: 2000 }),
    ]);
  });

  it('retries after a maxlag error, waiting as the server asks', async () => {
    fixture = await startFixture();
    fixture.faults.api.push({ kind: 'maxlag', retryAfter: 1, lag: 8 });
    const waits: WaitEvent[] = [];
    const body = await client(fixture, waits).request({
      action: 'query',
      list: 'categorymembers',
      cmtitle: themeCategory('human'),
      cmtype: 'subcat',
    });
    expect(body.error).toBeUndefined();
    expect(body.query?.categorymembers).toHaveLength(1);
    expect(fixture.log.api.map((e) => e.fault ?? 'ok')).toEqual(['maxlag', 'ok']);
    expect(fixture.log.api[1].at - fixture.log.api[0].at).toBeGreaterThanOrEqual(990);
    expect(waits).toEqual([expect.objectContaining({ reason: 'maxlag', delayMs: 1000 })]);
  });

  it('backs off on a 503 without Retry-After, then gives up with a typed error', async () => {
    fixture = await startFixture();
    for (let i = 0; i < 3; i++) fixture.faults.api.push({ kind: 'http', status: 503 });
    const waits: WaitEvent[] = [];
    const c = new CommonsClient({
      apiUrl: fixture.apiUrl,
      contact: CONTACT,
      retry: { ...FAST_BACKOFF, maxAttempts: 3 },
      onWait: (w) => waits.push(w),
    });
    const error = await c
      .request({
        action: 'query',
        list: 'categorymembers',
        cmtitle: 'Category:X',
        cmtype: 'subcat',
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(CommonsRequestError);
    expect(String(error.message)).toMatch(/gave up after 3 attempts \(HTTP 503\)/);
    expect(waits.map((w) => w.reason)).toEqual(['backoff', 'backoff']);
    // Exponential: the second wait is drawn from a range twice as high.
    expect(waits[1].delayMs).toBeGreaterThanOrEqual(waits[0].delayMs / 2);
  });

  it('reports API errors with their code', async () => {
    fixture = await startFixture();
    const error = await client(fixture)
      .request({ action: 'parse' })
      .catch((e) => e);
    expect(error).toBeInstanceOf(CommonsRequestError);
    expect(error.apiCode).toBe('badvalue');
  });

  it('sends API requests one at a time, however many are asked for at once', async () => {
    fixture = await startFixture({ apiDelayMs: 30 });
    const c = client(fixture);
    const params = {
      action: 'query',
      list: 'categorymembers',
      cmtitle: themeCategory('animal'),
      cmtype: 'subcat',
    };
    // The measurement can see overlap: plain parallel fetches overlap on the server.
    await Promise.all(
      Array.from({ length: 4 }, () =>
        fetch(
          `${fixture!.apiUrl}?${new URLSearchParams({ ...params, format: 'json', formatversion: '2' })}`,
          {
            headers: { 'User-Agent': `commonsynth/${VERSION} (${CONTACT})` },
          },
        ).then((r) => r.text()),
      ),
    );
    expect(fixture.peak.api).toBeGreaterThan(1);
    fixture.peak.api = 0;
    await Promise.all(Array.from({ length: 6 }, () => c.request(params)));
    expect(fixture.peak.api).toBe(1);
  });

  it('crawls a tree with cycles once per category and within the depth limit', async () => {
    fixture = await startFixture();
    const c = client(fixture);
    const theme = themeCategory('animal');
    const wiki = fixture.wiki;
    const inCategory = (cat: string) => wiki.categoryFiles.get(cat) ?? [];
    const shallow = [];
    for await (const file of crawlFiles(c, [theme], { maxDepth: 1 })) shallow.push(file);
    expect(shallow.map((f) => f.title).sort()).toEqual(
      [...inCategory(theme), ...inCategory('Category:More animal sounds')].sort(),
    );
    expect(shallow.every((f) => f.depth <= 1)).toBe(true);

    const before = fixture.log.api.length;
    const deep = [];
    for await (const file of crawlFiles(c, [theme], { maxDepth: 5 })) deep.push(file);
    const titles = deep.map((f) => f.title);
    // Depth 2 reaches the deep category; the cycles back to the theme and the root are walked once.
    expect(titles).toContain(inCategory('Category:Deep animal sounds')[0]);
    expect(new Set(titles).size).toBe(titles.length);
    expect(new Set(deep.map((f) => f.info.sha1)).size).toBe(deep.length);
    const listed = fixture.log.api
      .slice(before)
      .filter((e) => e.params.generator === 'categorymembers')
      .map((e) => e.params.gcmtitle);
    // Each category's files were asked for exactly once, cycles notwithstanding: the theme,
    // "More", "Deep", the root (reached through the cycle) and everything under the root.
    expect(listed.length).toBe(new Set(listed).size);
    expect(listed).toEqual(
      expect.arrayContaining([theme, 'Category:Fixture sounds', 'Category:Fixture traps']),
    );
    expect(listed.length).toBe(fixture.wiki.categoryIds.size);
  });
});
