import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav, writeWav } from '../../src/audio/index.js';
import { buildCredits, type Credits, writeCredits } from '../../src/sequencer/index.js';
import { cli } from '../helpers/cli.js';
import { corpusManifest } from '../helpers/shared.js';

let dir: string;
const clipPaths: string[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'commonsynth-sequence-cli-'));
  const rows = corpusManifest().slice(0, 6);
  for (let i = 0; i < 3; i++) {
    const freq = 200 + 150 * i;
    const clip = Float32Array.from(
      { length: 16000 * (2 + i) },
      (_, k) => 0.6 * Math.sin((2 * Math.PI * freq * k) / 16000),
    );
    const path = join(dir, `clip-00${i}.wav`);
    await writeWav(path, clip, 16000, { format: 'float32' });
    clipPaths.push(path);
    // Clips 0 and 1 carry credits the way `run` writes them; clip 2 has none.
    if (i < 2) {
      const sources = rows.slice(2 * i, 2 * i + 2).map((r) => ({
        title: r.title,
        author: r.author,
        sourceUrl: r.source_url,
        license: r.license,
        licenseUrl: r.license_url || null,
        sha1: r.sha1,
        path: r.file,
      }));
      await writeCredits(
        join(dir, `clip-00${i}`),
        buildCredits({ work: `clip-00${i}.wav`, sources, model: { name: 'tiny' }, seed: i }),
      );
    }
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('commonsynth sequence', () => {
  it('writes a track of the exact length, the same for the same seed, with merged credits', async () => {
    const render = async (name: string, seed: string) => {
      const out = join(dir, name, 'track.wav');
      const result = await cli(
        'sequence',
        ...clipPaths,
        '--length',
        '20.5',
        '--seed',
        seed,
        '--bpm',
        '120',
        '--out',
        out,
      );
      expect(result.code).toBe(0);
      return { out, bytes: await readFile(out), stdout: result.out };
    };
    const a = await render('a', '3');
    const b = await render('b', '3');
    const c = await render('c', '4');
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.bytes.equals(c.bytes)).toBe(false);
    const wav = await readWav(a.out);
    expect(wav.sampleRate).toBe(16000);
    expect(wav.format).toBe('pcm16');
    expect(wav.channels[0].length).toBe(20.5 * 16000);
    expect(wav.channels[0].reduce((m, x) => Math.max(m, Math.abs(x)), 0)).toBeLessThanOrEqual(
      10 ** (-1 / 20) + 1 / 32768,
    );
    expect(a.stdout).toMatch(/clips without credits: .*clip-002\.wav/);

    const credits = JSON.parse(await readFile(join(dir, 'a', 'credits.json'), 'utf8')) as Credits;
    const expected = corpusManifest()
      .slice(0, 4)
      .map((r) => r.sha1);
    expect(credits.work).toBe('track.wav');
    expect(credits.sources.map((s) => s.sha1)).toEqual(expected);
    expect(credits.notices.join('\n')).toMatch(/Missing credits: clip-002\.wav/);
    const text = await readFile(join(dir, 'a', 'CREDITS.txt'), 'utf8');
    expect(text).toMatch(/^Credits for track\.wav/);
  });

  it('writes float WAV and refuses bad options', async () => {
    const out = join(dir, 'float', 'track.wav');
    const ok = await cli(
      'sequence',
      ...clipPaths,
      '--length',
      '3',
      '--format',
      'float32',
      '--no-credits',
      '--out',
      out,
    );
    expect(ok.code).toBe(0);
    expect((await readWav(out)).format).toBe('float32');
    const bad = await cli(
      'sequence',
      ...clipPaths,
      '--length',
      '3',
      '--master',
      'loud',
      '--out',
      out,
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--master must be one of limiter, normalize, none/);
    const missing = await cli('sequence', join(dir, 'nope.wav'), '--length', '3', '--out', out);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/nope\.wav/);
  });
});
