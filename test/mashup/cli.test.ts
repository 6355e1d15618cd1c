import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEmbedding, saveEmbedding } from '../../src/audio/index.js';
import { loadRecipe, renderRecipeFile } from '../../src/mashup/index.js';
import { openAutoencoder } from '../../src/model/index.js';
import type { Embedding } from '../../src/types.js';
import { cli } from '../helpers/cli.js';
import { writeTinyParallelPackage } from '../helpers/parallel-ae.js';
import { corpusDir } from '../helpers/shared.js';
import { randomWalkEmbedding } from './helpers.js';

const bytes = (e: Embedding) => Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'commonsynth-mashup-cli-'));
  await saveEmbedding(join(dir, 'a_embeddings.npy'), randomWalkEmbedding(700, 1));
  await saveEmbedding(join(dir, 'b_embeddings.npy'), randomWalkEmbedding(900, 2));
  await saveEmbedding(join(dir, 'c_embeddings.npy'), randomWalkEmbedding(800, 3));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('commonsynth mashup', () => {
  it('writes a recipe and the mixed embeddings that the recipe reproduces', async () => {
    const out = join(dir, 'mixes', 'mix.json');
    const { code, out: stdout } = await cli(
      'mashup',
      join(dir, 'a_embeddings.npy'),
      join(dir, 'b_embeddings.npy'),
      join(dir, 'c_embeddings.npy'),
      '--seed',
      '17',
      '--length',
      '12',
      '--fade',
      'equal-power',
      '--mix',
      'slerp',
      '--noise',
      '0.1',
      '--interval',
      '0.5:1.5',
      '--stretch',
      '1.25',
      '--out',
      out,
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/mix_embeddings\.npy \(375 frames, 12\.00 s\)/);
    const recipe = await loadRecipe(out);
    expect(recipe.sources.map((s) => s.path)).toEqual([
      '../a_embeddings.npy',
      '../b_embeddings.npy',
      '../c_embeddings.npy',
    ]);
    expect(recipe).toMatchObject({ seed: 17, mix: 'slerp', frames: 375, noise: { amount: 0.1 } });
    const written = await loadEmbedding(join(dir, 'mixes', 'mix_embeddings.npy'));
    const { embedding } = await renderRecipeFile(out);
    expect(bytes(embedding).equals(bytes(written))).toBe(true);
  });

  it('gives the same mix for the same seed', async () => {
    const run = async (name: string, seed: string) => {
      const out = join(dir, `${name}.json`);
      await cli(
        'mashup',
        join(dir, 'a_embeddings.npy'),
        join(dir, 'b_embeddings.npy'),
        '--seed',
        seed,
        '--out',
        out,
      );
      return loadEmbedding(join(dir, `${name}_embeddings.npy`));
    };
    const [x, y, z] = [await run('x', '5'), await run('y', '5'), await run('z', '6')];
    expect(bytes(x).equals(bytes(y))).toBe(true);
    expect(bytes(x).equals(bytes(z))).toBe(false);
  });

  it('refuses bad options and unusable audio with usage errors', async () => {
    const a = join(dir, 'a_embeddings.npy');
    const out = join(dir, 'bad.json');
    expect((await cli('mashup', a, '--out', out)).err).toMatch(/at least two sources/);
    const badFade = await cli('mashup', a, a, '--fade', 'square', '--out', out);
    expect(badFade.code).toBe(2);
    expect(badFade.err).toMatch(/--fade must be one of linear, equal-power, raised-cosine/);
    expect((await cli('mashup', a, a, '--interval', '3:1', '--out', out)).err).toMatch(
      /--interval: max 1 is below min 3/,
    );
    const audio = join(corpusDir(), 'audio/nature/4-125070-A-19.flac');
    const noModel = await cli(
      'mashup',
      a,
      audio,
      '--model',
      join(dir, 'no-such-model'),
      '--out',
      out,
    );
    expect(noModel.code).toBe(2);
    expect(noModel.err).toMatch(
      /4-125070-A-19\.flac is audio and no model could be opened.*commonsynth encode/,
    );
  });

  it('encodes audio sources with a model, loudness-matched, and the recipe replays them', async () => {
    const modelDir = join(dir, 'tiny-model');
    await writeTinyParallelPackage(modelDir, { name: 'tiny', hop: 64, dims: 4 });
    const files = ['audio/nature/4-125070-A-19.flac', 'audio/animal/4-120160-A-5.flac'].map((f) =>
      join(corpusDir(), f),
    );
    const out = join(dir, 'audio-mix.json');
    const { code, err } = await cli(
      'mashup',
      ...files,
      '--model',
      modelDir,
      '--loudness',
      '-20',
      '--length',
      '2',
      '--seed',
      '4',
      '--out',
      out,
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    const recipe = await loadRecipe(out);
    expect(recipe.timing).toEqual({ sampleRate: 16000, hop: 64 });
    expect(recipe.frames).toBe(500);
    expect(recipe.dims).toBe(4);
    expect(recipe.loudness).toEqual({ targetDbfs: -20 });
    expect(
      recipe.sources.every((s) => s.kind === 'audio' && /^[0-9a-f]{40}$/.test(s.sha1 ?? '')),
    ).toBe(true);
    const model = await openAutoencoder(modelDir);
    try {
      const { embedding } = await renderRecipeFile(out, { encoder: model });
      const written = await loadEmbedding(join(dir, 'audio-mix_embeddings.npy'));
      expect(bytes(embedding).equals(bytes(written))).toBe(true);
    } finally {
      await model.close();
    }
    await expect(renderRecipeFile(out)).rejects.toThrow(/no model is available/);
  });
});

describe('mashup length bounds (issue 12 defect 3)', () => {
  it('refuses --length 1e9 up front with a usage error, not a V8 heap crash', async () => {
    const { code, err } = await cli(
      'mashup',
      join(dir, 'a_embeddings.npy'),
      join(dir, 'b_embeddings.npy'),
      '--length',
      '1e9',
      '--out',
      join(dir, 'huge', 'mix.json'),
    );
    expect(code).toBe(2);
    expect(err).toMatch(/mashup length must be at most 3600 seconds \(112500 frames\)/);
  });

  it('refuses a recipe with frames: 1e7 naming the field, before allocating', async () => {
    const out = join(dir, 'bounded', 'mix.json');
    const made = await cli(
      'mashup',
      join(dir, 'a_embeddings.npy'),
      join(dir, 'b_embeddings.npy'),
      '--out',
      out,
    );
    expect(made.code).toBe(0);
    const recipe = JSON.parse(await readFile(out, 'utf8')) as { frames: number };
    recipe.frames = 1e7;
    await writeFile(out, JSON.stringify(recipe));
    // synth and the studio read recipes through loadRecipe.
    await expect(loadRecipe(out)).rejects.toThrow(
      /frames: must be between 1 and 112500, got 10000000/,
    );
  });
});
