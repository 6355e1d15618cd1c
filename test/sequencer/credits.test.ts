import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecipe } from '../../src/mashup/index.js';
import {
  buildCredits,
  creditsText,
  licenseTerms,
  ManifestCsvError,
  mergeCredits,
  readLocalManifestCredits,
  writeCredits,
} from '../../src/sequencer/index.js';
import { corpusDir, corpusManifest } from '../helpers/shared.js';
import { randomWalkEmbedding } from '../mashup/helpers.js';

const model = {
  name: 'nsynth-h512-bo16',
  version: '1',
  credits: {
    trainingData: [{ title: 'The NSynth Dataset', author: 'Google Brain', license: 'CC-BY-4.0' }],
    model: 'Engel et al. 2017',
    license: 'Apache-2.0',
  },
};

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'commonsynth-credits-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('credits from the shared corpus manifest', () => {
  const rows = corpusManifest();
  const row = (file: string) => rows.find((r) => r.file === file)!;
  const used = [
    'audio/nature/4-125070-A-19.flac',
    'audio/nature/2-104952-A-16.flac',
    'audio/music/world-ireland.ogg',
  ];

  it('name exactly the files used, with title, author, source and license from the manifest', async () => {
    // A run over corpus/audio/nature finds corpus/manifest.csv two folders up.
    const dir = join(corpusDir(), 'audio', 'nature');
    const files = used.map((f) => ({ path: join(corpusDir(), f) }));
    const credits = await readLocalManifestCredits(dir, files);
    expect(credits).toHaveLength(3);
    credits.forEach((credit, i) => {
      const expected = row(used[i]);
      expect(credit).toEqual({
        title: expected.title,
        author: expected.author,
        sourceUrl: expected.source_url,
        license: expected.license,
        licenseUrl: expected.license_url || null,
        sha1: expected.sha1,
        path: files[i].path,
      });
    });
    const built = buildCredits({ work: 'track.wav', sources: credits, model, seed: 7 });
    expect(built.sources.map((s) => s.sha1)).toEqual(used.map((f) => row(f).sha1));
    expect(built.shareAlike).toBe(false);
    expect(built.notices.join('\n')).not.toMatch(/Share-alike/);
    // Attribution is required for every source not CC0 or public domain, and said.
    const needCredit = used.map(row).filter((r) => !['CC0', 'Public domain'].includes(r.license));
    expect(needCredit.length).toBeGreaterThan(0);
    const attribution = built.notices.find((n) => n.startsWith('Attribution'))!;
    expect(attribution).toContain(`${needCredit.length} source(s)`);
    for (const r of needCredit) expect(attribution).toContain(`"${r.title}"`);
    const text = creditsText(built);
    for (const f of used) {
      expect(text).toContain(`"${row(f).title}" by ${row(f).author}`);
      expect(text).toContain(`License: ${row(f).license}`);
      expect(text).toContain(row(f).sha1);
    }
    expect(text).toContain('Trained on: "The NSynth Dataset" by Google Brain');
    // Nothing but the files used.
    const others = rows.filter(
      (r) => !used.includes(r.file) && !used.some((u) => row(u).title === r.title),
    );
    for (const other of others.slice(0, 40)) expect(text).not.toContain(other.sha1);
  });

  it('say no attribution is needed when every source is CC0', async () => {
    const cc0 = rows.filter((r) => r.license === 'CC0').slice(0, 2);
    const credits = await readLocalManifestCredits(
      corpusDir(),
      cc0.map((r) => ({ path: r.file, sha1: r.sha1 })),
    );
    const built = buildCredits({ sources: credits, model, seed: 1 });
    expect(built.notices).toEqual([expect.stringMatching(/All sources are CC0/)]);
  });
});

describe('credits from a local folder', () => {
  const corpusFile = 'audio/nature/4-125070-A-19.flac';

  it('match by sha1 when the path differs, and mark unlisted files unknown', async () => {
    const dir = join(tmp, 'renamed');
    await mkdir(dir);
    await copyFile(join(corpusDir(), corpusFile), join(dir, 'rain.flac'));
    await writeFile(join(dir, 'mystery.wav'), 'not really audio, but a file with bytes');
    const entry = corpusManifest().find((r) => r.file === corpusFile)!;
    const header = 'file,theme,title,author,license,license_url,source_url,origin,bytes,sha1';
    await writeFile(
      join(dir, 'manifest.csv'),
      `${header}\nsomewhere/else.flac,nature,${entry.title},${entry.author},${entry.license},${entry.license_url},${entry.source_url},test,1,${entry.sha1}\n`,
    );
    const [rain, mystery] = await readLocalManifestCredits(dir, [
      { path: 'rain.flac' },
      { path: 'mystery.wav' },
    ]);
    expect(rain.title).toBe(entry.title);
    expect(rain.license).toBe(entry.license);
    expect(rain.sha1).toBe(entry.sha1);
    expect(mystery.license).toBe('unknown: local file');
    expect(mystery.title).toBe('mystery.wav');
    const built = buildCredits({ sources: [rain, mystery], model, seed: 3 });
    expect(built.notices.join('\n')).toMatch(/Unknown license: "mystery\.wav"/);
  });

  it('mark every file unknown when there is no manifest', async () => {
    const dir = join(tmp, 'bare');
    await mkdir(dir);
    await writeFile(join(dir, 'a.wav'), 'bytes');
    const [a] = await readLocalManifestCredits(dir, [{ path: 'a.wav' }]);
    expect(a).toMatchObject({ license: 'unknown: local file', author: 'unknown', title: 'a.wav' });
    expect(a.sha1).toMatch(/^[0-9a-f]{40}$/);
  });

  it('refuse a manifest.csv without the needed columns', async () => {
    const dir = join(tmp, 'broken');
    await mkdir(dir);
    await writeFile(join(dir, 'manifest.csv'), 'name,licence\nx.wav,CC0\n');
    await expect(readLocalManifestCredits(dir, [{ path: 'x.wav' }])).rejects.toThrow(
      ManifestCsvError,
    );
    await expect(readLocalManifestCredits(dir, [{ path: 'x.wav' }])).rejects.toThrow(
      /manifest\.csv: missing column\(s\) file, title, author, license, license_url, source_url, sha1/,
    );
  });

  it('carry the share-alike notice when any source is CC BY-SA', async () => {
    const dir = join(tmp, 'bysa');
    await mkdir(dir);
    const files = ['wind.wav', 'choir.wav', 'birds.wav'];
    for (const f of files) await writeFile(join(dir, f), `audio of ${f}`);
    await writeFile(
      join(dir, 'manifest.csv'),
      [
        'file,theme,title,author,license,license_url,source_url,origin,bytes,sha1',
        'wind.wav,nature,Wind in pines,Ann,CC BY-SA 3.0,https://creativecommons.org/licenses/by-sa/3.0/,https://commons.wikimedia.org/wiki/File:Wind.ogg,commons,10,',
        'choir.wav,music,"Choir, live",Bo,CC-BY-SA-4.0,https://creativecommons.org/licenses/by-sa/4.0/,https://commons.wikimedia.org/wiki/File:Choir.ogg,commons,10,',
        'birds.wav,animal,Birds,Cy,CC BY 4.0,https://creativecommons.org/licenses/by/4.0/,https://commons.wikimedia.org/wiki/File:Birds.ogg,commons,10,',
      ].join('\n'),
    );
    const sources = await readLocalManifestCredits(
      dir,
      files.map((path) => ({ path })),
    );
    expect(sources.map((s) => s.title)).toEqual(['Wind in pines', 'Choir, live', 'Birds']);
    const recipe = createRecipe(
      [
        { embedding: randomWalkEmbedding(100, 1), sha1: sources[0].sha1 },
        { embedding: randomWalkEmbedding(100, 2), sha1: sources[1].sha1 },
      ],
      { seed: 9, model: { name: model.name } },
    );
    const clip = buildCredits({
      work: 'clip-000.wav',
      sources: sources.slice(0, 2),
      model,
      seed: 9,
      recipe,
    });
    expect(clip.shareAlike).toBe(true);
    expect(clip.license).toEqual({
      name: 'CC BY-SA 4.0',
      url: 'https://creativecommons.org/licenses/by-sa/4.0/',
    });
    const notice = clip.notices.find((n) => n.startsWith('Share-alike'))!;
    expect(notice).toMatch(/"Wind in pines", "Choir, live"/);
    expect(notice).toMatch(/must license it under CC BY-SA 4\.0/);

    const birdsOnly = buildCredits({ sources: [sources[2]], model, seed: 9 });
    expect(birdsOnly.shareAlike).toBe(false);
    expect(birdsOnly.notices.some((n) => n.startsWith('Share-alike'))).toBe(false);
    expect(birdsOnly.notices.some((n) => n.startsWith('Attribution'))).toBe(true);

    // A track from a BY-SA clip and a BY clip inherits the notice.
    const track = mergeCredits([clip, birdsOnly], 'track.wav', 42);
    expect(track.sources).toHaveLength(3);
    expect(track.shareAlike).toBe(true);

    const out = join(tmp, 'published');
    const written = await writeCredits(out, clip);
    expect(JSON.parse(await readFile(written.json, 'utf8'))).toEqual(
      JSON.parse(JSON.stringify(clip)),
    );
    const text = await readFile(written.text, 'utf8');
    expect(text).toMatch(/This work must be shared under CC BY-SA 4\.0/);
    expect(text).toMatch(/- Share-alike: /);
    expect(text).toMatch(
      /1\. "Wind in pines" by Ann\n {3}Source: https:\/\/commons\.wikimedia\.org\/wiki\/File:Wind\.ogg\n {3}License: CC BY-SA 3\.0/,
    );
  });
});

describe('license terms', () => {
  it.each([
    ['CC0', null, 'cc0', false, false],
    ['Public domain', '', 'public-domain', false, false],
    ['CC-BY', 'https://creativecommons.org/licenses/by/3.0/', 'cc-by', true, false],
    ['CC-BY-3.0', null, 'cc-by', true, false],
    ['CC BY-SA 4.0', null, 'cc-by-sa', true, true],
    [
      'Attribution-ShareAlike',
      'https://creativecommons.org/licenses/by-sa/2.0/',
      'cc-by-sa',
      true,
      true,
    ],
    ['GFDL', null, 'gfdl', true, true],
    ['unknown: local file', null, 'unknown', true, false],
  ] as const)('%s', (license, url, family, attribution, shareAlike) => {
    const terms = licenseTerms(license, url);
    expect(terms.family).toBe(family);
    expect(terms.attributionRequired).toBe(attribution);
    expect(terms.shareAlike).toBe(shareAlike);
  });

  it('reads versions and restrictions', () => {
    expect(licenseTerms('CC BY-NC-SA 2.5')).toMatchObject({
      family: 'cc-by-sa',
      version: '2.5',
      nonCommercial: true,
      noDerivatives: false,
    });
    expect(licenseTerms('CC BY-ND 4.0').noDerivatives).toBe(true);
  });
});
