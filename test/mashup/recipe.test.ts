import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMono, loudnessDb } from '../../src/audio/index.js';
import {
  createRecipe,
  DEFAULT_TIMING,
  embeddingSha1,
  encodeSourceAudio,
  loadRecipe,
  mashup,
  matchSourceLoudness,
  parseRecipe,
  type Recipe,
  RecipeError,
  RecipeSourceMismatchError,
  recipeSourceLoader,
  renderRecipe,
  saveRecipe,
} from '../../src/mashup/index.js';
import type { Embedding } from '../../src/types.js';
import { corpusDir, repoRoot } from '../helpers/shared.js';
import { randomWalkEmbedding } from './helpers.js';

const rmsLevel = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
const bytes = (e: Embedding) => Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'commonsynth-recipe-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sources = [
  { embedding: randomWalkEmbedding(900, 21), path: 'a_embeddings.npy' },
  { embedding: randomWalkEmbedding(640, 22), path: 'b_embeddings.npy' },
  { embedding: randomWalkEmbedding(1200, 23), path: 'c_embeddings.npy' },
];
const byPath = new Map(sources.map((s) => [s.path, s.embedding]));
const loader = recipeSourceLoader({
  loadEmbedding: (path) => {
    const found = byPath.get(path);
    if (!found) throw new Error(`no ${path}`);
    return found;
  },
});

const options = {
  seed: 2024,
  model: { name: 'nsynth-h512-bo16', version: '1' },
  lengthSeconds: 16,
  shape: 'equal-power' as const,
  mix: 'slerp' as const,
  stretch: [1, 1.5, 0.8],
  noise: 0.2,
  holdSeconds: { min: 0.5, max: 2 },
  fadeSeconds: { min: 0.25, max: 1 },
};

describe('recipes', () => {
  it('store every random choice explicitly, in frames', () => {
    const recipe = createRecipe(sources, options);
    expect(recipe.frames).toBe(500); // 16 s / 32 ms
    expect(recipe.sources.map((s) => s.stretch)).toEqual([1, 1.5, 0.8]);
    recipe.sources.forEach((s, i) => {
      const available = Math.round(sources[i].embedding.frames * s.stretch);
      expect(s.offset + recipe.frames).toBeLessThanOrEqual(available);
      expect(s.embeddingSha1).toBe(embeddingSha1(sources[i].embedding));
    });
    expect(recipe.weights.type).toBe('crossfade');
    expect(recipe.noise.amount).toBe(0.2);
  });

  it('re-render bit-identically, through JSON and a file', async () => {
    const { recipe, embedding } = mashup(sources, options);
    const path = join(dir, 'mix.json');
    await saveRecipe(path, recipe);
    const reloaded = await loadRecipe(path);
    expect(reloaded).toEqual(recipe);
    const first = await renderRecipe(reloaded, loader);
    const second = await renderRecipe(
      parseRecipe(JSON.parse(await readFile(path, 'utf8'))),
      loader,
    );
    expect(first.frames).toBe(500);
    expect(bytes(first).equals(bytes(embedding))).toBe(true);
    expect(bytes(second).equals(bytes(embedding))).toBe(true);
  });

  it('replay the stored choices without re-drawing them', async () => {
    const recipe = createRecipe(sources, options);
    // A different seed field changes nothing that was drawn: the choices are in the recipe.
    const edited: Recipe = { ...recipe, seed: 1 };
    const a = await renderRecipe(recipe, loader);
    const b = await renderRecipe(edited, loader);
    expect(bytes(a).equals(bytes(b))).toBe(true);
    // Another seed draws other choices, and another mix.
    const other = createRecipe(sources, { ...options, seed: 2025 });
    expect(other.sources.map((s) => s.offset)).not.toEqual(recipe.sources.map((s) => s.offset));
    expect(bytes(await renderRecipe(other, loader)).equals(bytes(a))).toBe(false);
  });

  it('refuse a source embedding that is not the one the recipe was made from', async () => {
    const recipe = createRecipe(sources, options);
    const tampered = randomWalkEmbedding(900, 21);
    tampered.data[17] += 1e-3;
    const swapped = recipeSourceLoader({
      loadEmbedding: (path) => (path === 'a_embeddings.npy' ? tampered : byPath.get(path)!),
    });
    await expect(renderRecipe(recipe, swapped)).rejects.toBeInstanceOf(RecipeSourceMismatchError);
    await expect(renderRecipe(recipe, swapped)).rejects.toThrow(/a_embeddings\.npy/);
    const shorter = recipeSourceLoader({
      loadEmbedding: (path) =>
        path === 'b_embeddings.npy' ? randomWalkEmbedding(600, 22) : byPath.get(path)!,
    });
    await expect(renderRecipe(recipe, shorter)).rejects.toThrow(/640 x 16.*600 x 16/);
  });

  it('validate on load, naming the file and the field', async () => {
    const good = createRecipe(sources, options);
    const bad = (edit: (r: Record<string, unknown>) => void) => {
      const copy = JSON.parse(JSON.stringify(good));
      edit(copy);
      return copy;
    };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [bad((r) => (r.format = 'other')), /format/],
      [bad((r) => (r.version = 99)), /version 99/],
      [bad((r) => (r.mix = 'cubic')), /mix: must be one of linear, slerp/],
      [
        bad((r) => ((r.sources as Array<Record<string, unknown>>)[1].offset = -1)),
        /sources\[1\]\.offset/,
      ],
      [
        bad((r) => ((r.sources as Array<Record<string, unknown>>)[0].offset = 5000)),
        /sources\[0\]\.offset/,
      ],
      [bad((r) => ((r.weights as Record<string, unknown>).shape = 'square')), /weights\.shape/],
      [
        bad((r) => ((r.weights as { fades: Array<{ from: number }> }).fades[1].from = 9)),
        /weights\.fades\[1\]\.from/,
      ],
      [bad((r) => ((r.noise as Record<string, unknown>).amount = 'lots')), /noise\.amount/],
      [bad((r) => delete r.sources), /sources: must be an array/],
    ];
    for (const [value, message] of cases) {
      expect(() => parseRecipe(value, 'mine.json')).toThrow(RecipeError);
      expect(() => parseRecipe(value, 'mine.json')).toThrow(message);
      expect(() => parseRecipe(value, 'mine.json')).toThrow(/^mine\.json: /);
    }
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{ "format": ');
    await expect(loadRecipe(broken)).rejects.toThrow(/broken\.json: not valid JSON/);
  });

  it('document their format with an example that is a valid recipe', async () => {
    const doc = await readFile(join(repoRoot, 'docs', 'recipes.md'), 'utf8');
    const example = /```json\n([\s\S]*?)```/.exec(doc)![1];
    const recipe = parseRecipe(JSON.parse(example), 'docs/recipes.md');
    expect(recipe.sources).toHaveLength(2);
    expect(recipe.weights.type).toBe('crossfade');
  });

  it('encode audio sources after matching their loudness, and explain when no model is there', async () => {
    const files = ['audio/nature/4-125070-A-19.flac', 'audio/animal/4-120160-A-5.flac'];
    const audio = new Map<string, Float32Array>();
    for (const file of files) {
      audio.set(file, (await loadMono(join(corpusDir(), file))).samples);
    }
    const received: Float32Array[] = [];
    // Encoder double: one frame per 512 samples holding 16 band RMS values (deterministic).
    const encode = async (samples: Float32Array): Promise<Embedding> => {
      received.push(samples);
      const frames = Math.floor(samples.length / 512);
      const data = new Float32Array(frames * 16);
      for (let f = 0; f < frames; f++) {
        for (let d = 0; d < 16; d++) {
          data[f * 16 + d] = rmsLevel(samples.subarray(f * 512 + d * 32, f * 512 + d * 32 + 32));
        }
      }
      return { frames, dims: 16, data };
    };
    const io = {
      loadAudio: (path: string) => audio.get(path)!,
      encode,
    };
    const prepared = { loudness: { targetDbfs: -24 }, timing: DEFAULT_TIMING };
    const encoded = await Promise.all(
      files.map(async (file) => ({
        kind: 'audio' as const,
        path: file,
        embedding: await encodeSourceAudio(audio.get(file)!, prepared, encode),
      })),
    );
    received.length = 0;
    const recipe = createRecipe(encoded, { seed: 5, model: { name: 'test' }, loudnessDbfs: -24 });
    const rendered = await renderRecipe(recipe, recipeSourceLoader(io));
    // Both real recordings reached the encoder loudness-matched to -24 dBFS, not as recorded.
    expect(received).toHaveLength(2);
    received.forEach((samples, i) => {
      const expected = matchSourceLoudness(audio.get(files[i])!, -24, 16000);
      expect(Buffer.from(samples.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
      expect(Math.abs(loudnessDb(samples, 16000) + 24)).toBeLessThan(0.5);
      expect(Math.abs(rmsLevel(samples) - rmsLevel(audio.get(files[i])!))).toBeGreaterThan(1e-3);
    });
    expect(rendered.frames).toBe(recipe.frames);
    await expect(
      renderRecipe(recipe, recipeSourceLoader({ loadAudio: io.loadAudio })),
    ).rejects.toThrow(/commonsynth encode/);
  });
});
