import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../../test/helpers/cli.js';
import { pythonHas } from '../../../test/helpers/python.js';
import { corpusDir, corpusManifest } from '../../../test/helpers/shared.js';
import { loadMono, writeWav } from '../../audio/index.js';
import { openAutoencoder } from '../../model/autoencoder.js';

/**
 * `commonsynth train` end to end with the real Python trainer: a few steps of the tiny preset on
 * corpus clips, exported and registered; the same command again resumes the run.
 */

const hasTorch = pythonHas('torch, numpy');

let home: string;
let dataDir: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'commonsynth-train-cli-'));
  // This file runs in its own process (Vitest forks), so the variable is ours alone.
  process.env.COMMONSYNTH_HOME = home;
  dataDir = join(home, 'prepped');
  // Two themes, three 3-second clips each, prepared as `commonsynth prep` would (16 kHz WAV).
  for (const theme of ['animal', 'interior']) {
    await mkdir(join(dataDir, theme), { recursive: true });
    const rows = corpusManifest()
      .filter((r) => r.theme === theme)
      .slice(0, 3);
    for (const [i, row] of rows.entries()) {
      const audio = await loadMono(join(corpusDir(), row.file), { quality: 'fastest' });
      await writeWav(join(dataDir, theme, `${i}.wav`), audio.samples.slice(0, 48000), 16000);
    }
  }
});
afterAll(async () => {
  delete process.env.COMMONSYNTH_HOME;
  await rm(home, { recursive: true, force: true });
});

const quick = ['--batch', '2', '--crop', '4096', '--val-minutes', '1000', '--log-every', '1'];

describe('commonsynth train options', () => {
  it('refuses a malformed --theme-weight before starting Python', async () => {
    for (const bad of ['animal', 'animal=', 'animal=-1', '=2', 'animal=lots']) {
      const { code, err } = await cli(
        'train',
        '--name',
        'x',
        '--data',
        dataDir,
        '--theme-weight',
        bad,
      );
      expect(code, bad).not.toBe(0);
      expect(err).toContain(`--theme-weight ${bad}: expected THEME=WEIGHT`);
    }
  });
});

describe.skipIf(!hasTorch)('commonsynth train', () => {
  it('trains, exports and registers a model that then encodes and decodes', async () => {
    const { code, out, err } = await cli(
      'train',
      '--name',
      'e2e',
      '--data',
      dataDir,
      '--preset',
      'tiny',
      '--threads',
      '1',
      '--mel-weight',
      '1',
      '--theme-weight',
      'animal=2',
      '--json',
      '--',
      '--steps',
      '3',
      ...quick,
    );
    expect(code, err).toBe(0);
    const result = JSON.parse(out) as { name: string; path: string; runDir: string };
    expect(result.name).toBe('e2e');
    expect(result.path).toBe(join(home, 'models', 'e2e'));
    expect(result.runDir).toBe(join(home, 'runs', 'e2e'));
    expect(err).toMatch(/training parallel-ae: \d+ files/);
    // No export staging left behind.
    expect(existsSync(join(result.path, 'config.json'))).toBe(true);
    // The loss options reached the trainer: the log-mel term is in the loss, both are recorded.
    const steps = (await readFile(join(result.runDir, 'log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { step?: number; logMelDb?: number; event?: string })
      .filter((r) => r.event === undefined && r.step !== undefined);
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.every((r) => typeof r.logMelDb === 'number' && r.logMelDb > 0)).toBe(true);
    const training = JSON.parse(await readFile(join(result.path, 'training.json'), 'utf8')) as {
      history: Array<{ mel_weight?: number; theme_weights?: Record<string, number> }>;
    };
    expect(training.history.at(-1)).toMatchObject({ mel_weight: 1, theme_weights: { animal: 2 } });

    const model = await openAutoencoder('e2e', { threads: 1 });
    try {
      expect(model.info.family).toBe('parallel-ae');
      const samples = (await loadMono(join(dataDir, 'animal', '0.wav'))).samples.slice(0, 8000);
      const embedding = await model.encode({ sampleRate: 16000, samples });
      expect([embedding.frames, embedding.dims]).toEqual([Math.ceil(8000 / 512), 16]);
      const [audio] = await model.decode([embedding]);
      expect(audio.length).toBe(embedding.frames * 512);
      expect(audio.every(Number.isFinite)).toBe(true);
    } finally {
      await model.close();
    }

    const listed = await cli('models', '--json');
    expect((JSON.parse(listed.out) as Array<{ name: string }>).map((m) => m.name)).toContain('e2e');
  });

  it('resumes the run when the same command runs again', async () => {
    const { code, err } = await cli(
      'train',
      '--name',
      'e2e',
      '--threads',
      '1',
      '--',
      '--steps',
      '5',
      ...quick,
    );
    expect(code, err).toBe(0);
    expect(err).toMatch(/resuming at step 3/);
    const log = (await readFile(join(home, 'runs', 'e2e', 'log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event?: string; step?: number });
    expect(log.filter((r) => r.event === 'resume').map((r) => r.step)).toEqual([3]);
    expect(Math.max(...log.map((r) => r.step ?? 0))).toBe(5);
  });
});
