import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareSharedTraining } from '../../scripts/prepare-shared-training.js';
import { readWav } from '../../src/audio/index.js';
import { codecsDir, corpusDir, corpusManifest } from '../helpers/shared.js';

let work: string;
const header = 'file,theme,title,author,license,license_url,source_url,origin,bytes,sha1';
const picks = ['nature', 'music', 'human'].map((t) => corpusManifest().find((r) => r.theme === t)!);

/** A miniature ../shared: two corpus files, one training file and one broken training file. */
async function writeMiniShared(shared: string): Promise<void> {
  const put = async (
    source: string,
    rows: Array<{ file: string; theme: string; from: string }>,
  ) => {
    const lines = [header];
    for (const r of rows) {
      await mkdir(join(shared, source, dirname(r.file)), { recursive: true });
      await copyFile(r.from, join(shared, source, r.file));
      lines.push(
        `${r.file},${r.theme},Title of ${basename(r.file)},Someone,CC0,,https://example.org/${basename(r.file)},test,1,abc`,
      );
    }
    await writeFile(join(shared, source, 'manifest.csv'), `${lines.join('\n')}\n`);
  };
  await put(
    'corpus',
    picks
      .slice(0, 2)
      .map((p) => ({ file: p.file, theme: p.theme, from: join(corpusDir(), p.file) })),
  );
  await put('training', [
    { file: picks[2].file, theme: picks[2].theme, from: join(corpusDir(), picks[2].file) },
    {
      file: 'audio/nature/broken.ogg',
      theme: 'nature',
      from: join(codecsDir(), 'broken-file.ogg'),
    },
  ]);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'commonsynth-shared-training-'));
  await writeMiniShared(join(work, 'shared'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('prepareSharedTraining', () => {
  it('names files <theme>/<source>__<name>.wav at 16 kHz mono, credits them, and records a broken one', async () => {
    const out = join(work, 'prepped');
    const r = await prepareSharedTraining(join(work, 'shared'), out);
    const stem = (p: (typeof picks)[number]) => basename(p.file).replace(/\.[^.]+$/, '');
    const ids = [
      `${picks[0].theme}/corpus__${stem(picks[0])}.wav`,
      `${picks[1].theme}/corpus__${stem(picks[1])}.wav`,
      `${picks[2].theme}/training__${stem(picks[2])}.wav`,
    ];
    expect(r.credits.map((c) => c.wav)).toEqual(ids);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0].file).toMatch(/broken\.ogg$/);
    for (const id of ids) {
      const wav = await readWav(join(out, id));
      expect(wav.sampleRate).toBe(16000);
      expect(wav.channels).toHaveLength(1);
      expect(wav.channels[0].length).toBeGreaterThan(8000);
    }
    const credits = JSON.parse(await readFile(join(out, 'credits.json'), 'utf8')) as Array<
      Record<string, unknown>
    >;
    expect(credits[2]).toMatchObject({
      source: 'training',
      theme: picks[2].theme,
      author: 'Someone',
      license: 'CC0',
      wav: ids[2],
    });
    expect(Number(credits[0].seconds)).toBeGreaterThan(0.5);
    // Nothing but the theme folders and credits.json inside: prep's copies are beside it.
    expect((await stat(`${out}.stage`)).isDirectory()).toBe(true);
    // A second run prepares nothing again and gives the same result.
    const again = await prepareSharedTraining(join(work, 'shared'), out);
    expect(again.credits).toEqual(r.credits);
  });
});
