import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CommonsFixture, fixtureThemes } from '../../src/commons/fixture/index.js';
import { CONTACT, startFixture, tempDir } from '../commons/fixture.js';
import { cli } from '../helpers/cli.js';

let fixture: CommonsFixture;
let temp: { dir: string; cleanup: () => void };
const saved = { contact: process.env.COMMONSYNTH_CONTACT, xdg: process.env.XDG_CONFIG_HOME };

beforeEach(async () => {
  fixture = await startFixture();
  temp = tempDir();
  delete process.env.COMMONSYNTH_CONTACT;
  // No user config file may leak into these runs.
  process.env.XDG_CONFIG_HOME = join(temp.dir, 'xdg');
});
afterEach(async () => {
  await fixture.close();
  temp.cleanup();
  process.exitCode = undefined;
  if (saved.contact === undefined) delete process.env.COMMONSYNTH_CONTACT;
  else process.env.COMMONSYNTH_CONTACT = saved.contact;
  if (saved.xdg === undefined) delete process.env.XDG_CONFIG_HOME;
  else process.env.XDG_CONFIG_HOME = saved.xdg;
});

describe('commonsynth curate and dataset', () => {
  it('refuses to run without a contact (exit 2), before any request', async () => {
    const result = await cli(
      'curate',
      '--theme',
      'music',
      '--data',
      temp.dir,
      '--api',
      fixture.apiUrl,
    );
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/contact is required by the Wikimedia User-Agent policy/);
    expect(fixture.log.api).toHaveLength(0);
  });

  it('rejects bad numbers and unknown themes as usage errors', async () => {
    const limit = await cli(
      'curate',
      '--theme',
      'music',
      '--data',
      temp.dir,
      '--contact',
      CONTACT,
      '--limit',
      'lots',
    );
    expect(limit).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--limit must be a non-negative integer/),
    });
    const theme = await cli('curate', '--theme', 'jazz', '--data', temp.dir, '--contact', CONTACT);
    expect(theme).toMatchObject({ code: 2, err: expect.stringMatching(/unknown theme "jazz"/) });
  });

  it('curates with the contact and themes from the data folder config, then lists, counts, credits and exports', async () => {
    writeFileSync(
      join(temp.dir, 'commonsynth.json'),
      JSON.stringify({ contact: CONTACT, api: fixture.apiUrl, themes: fixtureThemes() }),
    );
    const run = await cli('curate', '--theme', 'nature', '--data', temp.dir, '--json');
    expect(run.code, run.err).toBe(0);
    const summary = JSON.parse(run.out);
    expect(summary).toMatchObject({
      crawlKey: 'theme:nature',
      totalFiles: 3,
      downloaded: 3,
      failed: [],
    });
    expect(fixture.log.api[0].userAgent).toContain(`(${CONTACT})`);

    const ls = await cli('dataset', 'ls', '--data', temp.dir);
    expect(ls.code).toBe(0);
    expect(ls.out.split('\n')[0]).toMatch(/^SHA1\s+STATUS\s+THEMES\s+LICENSE\s+TITLE$/);
    expect(ls.out.trim().split('\n')).toHaveLength(4);
    const lsJson = JSON.parse(
      (await cli('dataset', 'ls', '--data', temp.dir, '--json', '--status', 'downloaded')).out,
    );
    expect(lsJson).toHaveLength(3);

    const stats = JSON.parse((await cli('dataset', 'stats', '--data', temp.dir, '--json')).out);
    expect(stats.byTheme.nature.files).toBe(3);
    expect(stats.byStatus).toEqual({ downloaded: 3 });
    const statsText = (await cli('dataset', 'stats', '--data', temp.dir)).out;
    expect(statsText).toMatch(/^files: 3,/);
    expect(statsText).toMatch(/nature: 3 files/);

    const credits = JSON.parse((await cli('dataset', 'credits', '--data', temp.dir, '--json')).out);
    expect(credits).toHaveLength(3);
    expect(Object.keys(credits[0]).sort()).toEqual([
      'author',
      'license',
      'licenseUrl',
      'path',
      'sha1',
      'sourceUrl',
      'title',
    ]);
    const text = (await cli('dataset', 'credits', '--data', temp.dir)).out.trim().split('\n');
    expect(text).toHaveLength(3);
    for (const [i, line] of text.entries()) {
      const c = credits[i];
      expect(line).toBe(
        `"${c.title}" by ${c.author}, ${c.sourceUrl}, ${c.license}${c.licenseUrl ? ` (${c.licenseUrl})` : ''}`,
      );
    }

    const csvFile = join(temp.dir, 'export.csv');
    expect(
      (await cli('dataset', 'export', '--data', temp.dir, '--format', 'csv', '--out', csvFile))
        .code,
    ).toBe(0);
    const rows = parse(readFileSync(csvFile, 'utf8'), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(rows.map((r) => r.sha1).sort()).toEqual(
      credits.map((c: { sha1: string }) => c.sha1).sort(),
    );
    const jsonl = (await cli('dataset', 'export', '--data', temp.dir, '--format', 'jsonl')).out
      .trim()
      .split('\n');
    expect(jsonl.map((l) => JSON.parse(l).themes)).toEqual(['nature', 'nature', 'nature']);
  });

  it('exits 1 when a download failed, naming it', async () => {
    const bad = fixture.wiki.files.find((f) => f.theme === 'music')!;
    fixture.faults.corrupt.add(bad.sha1);
    writeFileSync(join(temp.dir, 'commonsynth.json'), JSON.stringify({ themes: fixtureThemes() }));
    process.env.COMMONSYNTH_CONTACT = CONTACT;
    const run = await cli(
      'curate',
      '--theme',
      'music',
      '--data',
      temp.dir,
      '--api',
      fixture.apiUrl,
    );
    expect(run.code).toBe(1);
    expect(run.out).toContain(`failed: ${bad.title} (${bad.sha1}): sha1 mismatch`);
  });

  it('says clearly when a data folder has no manifest', async () => {
    const result = await cli('dataset', 'stats', '--data', join(temp.dir, 'empty'));
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/manifest\.sqlite: no manifest here/);
  });
});
