import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeError } from '../../../test/helpers/numeric.js';
import { pythonHas, runPython } from '../../../test/helpers/python.js';
import { corpusDir, corpusManifest } from '../../../test/helpers/shared.js';
import { decodeNpy, loadMono, writeNpy } from '../../audio/index.js';
import type { Embedding } from '../../types.js';
import { openAutoencoder } from '../autoencoder.js';
import { loadModelPackage, type ParallelPackage } from '../package/index.js';
import { ParallelAutoencoder } from './runtime.js';

/**
 * parallel-ae parity: a tiny random model of the trainer's architecture (train/models/parallel_ae.py),
 * exported to ONNX by the trainer's export code, gives the same latents and audio through our runtime as in PyTorch.
 */

const hasTorch = pythonHas('torch, numpy');

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'commonsynth-parallel-parity-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function npy(path: string): Promise<{ shape: number[]; data: Float32Array }> {
  // A standalone Uint8Array copy, so the decoder never sees a pooled Node Buffer.
  return decodeNpy(new Uint8Array(await readFile(path)), path);
}

const SCRIPT = `
import json, sys, torch, numpy as np
from train.models.parallel_ae import ParallelAE, ParallelAEConfig, PRESETS, ExportEncoder, ExportDecoder
from train.export import export_onnx
out, overrides, names = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3:]
torch.manual_seed(1234)
torch.set_num_threads(1)
cfg = ParallelAEConfig.from_dict({**PRESETS["tiny"], **overrides})
model = ParallelAE(cfg).eval()
# Random weights away from the initialisation's symmetries (snake alphas, noise gains).
with torch.no_grad():
    for p in model.parameters():
        p.add_(torch.randn_like(p) * 0.05)
# The trainer's own export (train/export.py): the ONNX files a trained package ships.
export_onnx(model, f"{out}/pkg")
enc, dec = ExportEncoder(model).eval(), ExportDecoder(model).eval()
with torch.no_grad():
    for name in names:
        audio = torch.from_numpy(np.load(f"{out}/{name}.audio.npy"))[None]
        latents = enc(audio)
        np.save(f"{out}/{name}.latents.npy", latents[0].numpy())
        np.save(f"{out}/{name}.decoded.npy", dec(latents)[0].numpy())
print(json.dumps(cfg.to_dict()))
`;

describe.skipIf(!hasTorch)('parallel-ae parity with PyTorch', () => {
  // Snake activations (the family's default) and leaky ReLU (the shipped model's).
  it.each([
    ['snake', { activation: 'snake' }],
    ['lrelu, no noise branch', { activation: 'lrelu', noise_branch: false }],
  ])(
    'gives the same latents and decoded audio as the PyTorch model (%s)',
    async (label, overrides) => {
      const { mkdir } = await import('node:fs/promises');
      const work = join(root, label.replace(/\W+/g, '-'));
      await mkdir(join(work, 'pkg'), { recursive: true });
      const rows = corpusManifest();
      const clips: Record<string, Float32Array> = {};
      for (const [name, theme, seconds] of [
        ['nature', 'nature', 1],
        ['music', 'music', 2],
      ] as const) {
        const row = rows.find((r) => r.theme === theme)!;
        const audio = await loadMono(join(corpusDir(), row.file));
        clips[name] = audio.samples.slice(0, 16000 * seconds - ((16000 * seconds) % 512));
        await writeNpy(join(work, `${name}.audio.npy`), clips[name], [clips[name].length]);
      }
      const hyperparameters = JSON.parse(
        runPython(SCRIPT, [work, JSON.stringify(overrides), ...Object.keys(clips)]),
      );
      await writeFile(
        join(work, 'pkg', 'config.json'),
        JSON.stringify({
          format: 'commonsynth-model',
          formatVersion: 1,
          name: 'parity-tiny',
          version: '0',
          family: 'parallel-ae',
          sampleRate: 16000,
          hop: 512,
          embeddingDims: 16,
          hyperparameters,
          credits: { trainingData: [], model: 'random weights', license: 'CC0-1.0' },
          files: { encoder: 'encoder.onnx', decoder: 'decoder.onnx' },
        }),
      );
      const model = await openAutoencoder(join(work, 'pkg'), { threads: 1 });
      try {
        for (const [name, samples] of Object.entries(clips)) {
          const expectedLatents = await npy(join(work, `${name}.latents.npy`));
          const latents = await model.encode({ sampleRate: 16000, samples });
          expect([latents.frames, latents.dims]).toEqual(expectedLatents.shape);
          expect(
            maxRelativeError(latents.data, expectedLatents.data),
            `${name} latents`,
          ).toBeLessThan(1e-4);

          // Decode PyTorch's latents, so the decoder is compared on exactly the same input.
          const torchLatents: Embedding = {
            frames: expectedLatents.shape[0],
            dims: expectedLatents.shape[1],
            data: expectedLatents.data,
          };
          const expectedAudio = await npy(join(work, `${name}.decoded.npy`));
          const [audio] = await model.decode([torchLatents]);
          expect(audio.length).toBe(samples.length);
          expect(maxRelativeError(audio, expectedAudio.data), `${name} audio`).toBeLessThan(1e-4);
        }
      } finally {
        await model.close();
      }
    },
  );

  it('encodes and decodes long sequences in windows exactly (no position-dependent noise)', async () => {
    // Uses the package and PyTorch outputs the test above wrote (tests in a file run in order).
    // The decoder's receptive field is about +-7 frames, inside the 16 frames of context, so
    // windows of 20 frames reproduce one whole-sequence run, seams included.
    const dir = join(root, 'lrelu-no-noise-branch', 'pkg');
    const pkg = (await loadModelPackage(dir)) as ParallelPackage;
    const latents = await npy(join(root, 'lrelu-no-noise-branch', 'music.latents.npy'));
    const embedding = { frames: latents.shape[0], dims: 16, data: latents.data };
    expect(embedding.frames).toBeGreaterThan(60);
    const expected = await npy(join(root, 'lrelu-no-noise-branch', 'music.decoded.npy'));
    const model = await ParallelAutoencoder.open(pkg, { threads: 1, chunkFrames: 20 });
    try {
      const [audio] = await model.decode([embedding]);
      expect(maxRelativeError(audio, expected.data)).toBeLessThan(1e-4);
      // The encoder's receptive field is smaller still: windowed encoding gives PyTorch's latents.
      const clip = await npy(join(root, 'lrelu-no-noise-branch', 'music.audio.npy'));
      const [windowed] = await model.encode([clip.data]);
      expect(maxRelativeError(windowed.data, latents.data)).toBeLessThan(1e-4);
    } finally {
      await model.close();
    }
  });
});
