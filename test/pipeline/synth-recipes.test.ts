import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEmbedding, readWav, saveEmbedding } from '../../src/audio/index.js';
import { createRecipe, renderRecipeWith, saveRecipe } from '../../src/mashup/index.js';
import { encodeFiles } from '../../src/model/index.js';
import { runBuiltCli } from '../helpers/cli.js';
import { corpusDir } from '../helpers/shared.js';
import { makeTinyWaveNetPackage } from '../helpers/tiny-wavenet.js';

let work: string;
let model: string;
let a: string;
let b: string;
let frames: number;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'commonsynth-synth-recipes-'));
  model = await makeTinyWaveNetPackage(join(work, 'tiny'));
  const sounds = ['4-161127-A-10.flac', '4-188293-B-15.flac'].map((f) =>
    join(corpusDir(), 'audio', 'nature', f),
  );
  const encoded = await encodeFiles(sounds, { outDir: work, model });
  expect(encoded.failures).toEqual([]);
  [a, b] = encoded.outputs.map((o) => o.output);
  const sources = await Promise.all([a, b].map((path) => loadEmbedding(path)));
  const recipe = createRecipe(
    [
      { embedding: sources[0], kind: 'embedding', path: a },
      { embedding: sources[1], kind: 'embedding', path: b },
    ],
    { seed: 11, model: { name: 'tiny-wavenet' }, lengthSeconds: 1.5 },
  );
  frames = recipe.frames;
  await saveRecipe(join(work, 'mix.json'), recipe);
  await saveEmbedding(join(work, 'mix_embeddings.npy'), renderRecipeWith(recipe, sources));
});

async function synth(inputs: string[], out: string): Promise<{ outputs: { output: string }[] }> {
  const { code, stdout, stderr } = await runBuiltCli([
    'synth',
    ...inputs,
    '--model',
    model,
    '--seed',
    '5',
    '--out',
    out,
    '--json',
  ]);
  if (code !== 0) throw new Error(`commonsynth synth exited ${code}: ${stderr}`);
  return JSON.parse(stdout) as { outputs: { output: string }[] };
}

describe('synth with recipes', () => {
  it('renders a recipe exactly as its stored embeddings and synthesises both in one batch', async () => {
    const fromRecipe = await synth([join(work, 'mix.json')], join(work, 'out-recipe'));
    const fromNpy = await synth([join(work, 'mix_embeddings.npy')], join(work, 'out-npy'));
    const recipeWav = await readFile(fromRecipe.outputs[0].output);
    expect(recipeWav.equals(await readFile(fromNpy.outputs[0].output))).toBe(true);
    const audio = await readWav(fromRecipe.outputs[0].output);
    expect(audio.channels[0].length).toBe(frames * 512);

    const batch = await synth([join(work, 'mix.json'), a], join(work, 'out-batch'));
    expect(batch.outputs.map((o) => o.output.split('/').pop()).sort()).toEqual(
      ['gen_4-161127-A-10.wav', 'gen_mix.wav'].sort(),
    );
  });
});
