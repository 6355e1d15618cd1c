import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy, loadMono, writeNpy } from '../../src/audio/index.js';
import {
  loadModelPackage,
  type WaveNetPackage,
  wavenetModelConfig,
} from '../../src/model/package/index.js';
import { createWaveNetEncoder, createWaveNetGenerator } from '../../src/model/wavenet/index.js';
import type { WaveNetConfig } from '../../src/model/wavenet-config.js';
import { pythonHas, runPython } from '../helpers/python.js';
import { corpusDir, corpusManifest } from '../helpers/shared.js';
import { TINY_WAVENET } from '../helpers/tiny-wavenet.js';

/**
 * wavenet-ae parity: a tiny random model built by the trainer (train/models/wavenet_ae.py, PyTorch)
 * and saved as a package with its safetensors writer gives, through the TypeScript runtime, the
 * same embeddings as PyTorch's encoder, and the incremental generator's logits at every step equal
 * PyTorch's teacher-forced decoder fed the audio the generator produced.
 */

const hasTorch = pythonHas('torch, numpy');

const CONFIG: WaveNetConfig = { ...TINY_WAVENET, hop: 128, aeNumLayers: 4 };
const FRAMES = 5;
const SAMPLES = FRAMES * CONFIG.hop;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'commonsynth-wavenet-parity-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function npy(path: string): Promise<{ shape: number[]; data: Float32Array }> {
  return decodeNpy(new Uint8Array(await readFile(path)), path);
}

const BUILD = `
import json, sys, torch, numpy as np
from train.models.wavenet_ae import WaveNetAE, WaveNetAEConfig, save_safetensors
out, cfg = sys.argv[1], WaveNetAEConfig.from_dict(json.loads(sys.argv[2]))
torch.manual_seed(7)
model = WaveNetAE(cfg)
with torch.no_grad():
    for name, p in model.vars.items():
        if name.endswith("biases"):
            p.copy_(torch.randn_like(p) * 0.1)  # the initialisation's zero biases would test nothing
    save_safetensors(model.magenta_weights(), f"{out}/pkg/weights.safetensors")
    audio = torch.from_numpy(np.load(f"{out}/audio.npy"))[None]
    np.save(f"{out}/latents.npy", model.encode(audio)[0].T.contiguous().numpy())
`;

const TEACHER_FORCE = `
import json, sys, torch, numpy as np
from train.models.wavenet_ae import WaveNetAE, WaveNetAEConfig, load_safetensors
out, cfg = sys.argv[1], WaveNetAEConfig.from_dict(json.loads(sys.argv[2]))
model = WaveNetAE(cfg)
model.load_magenta_weights(load_safetensors(f"{out}/pkg/weights.safetensors"))
with torch.no_grad():
    generated = torch.from_numpy(np.load(f"{out}/generated.npy"))[None]
    emb = torch.from_numpy(np.load(f"{out}/latents.npy")).T[None].contiguous()
    np.save(f"{out}/logits.npy", model.decode_logits(generated, emb)[0].T.contiguous().numpy())
`;

describe.skipIf(!hasTorch)('wavenet-ae parity with PyTorch (train/models/wavenet_ae.py)', () => {
  it('gives the same embeddings and the same logits at every generated step', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(work, 'pkg'));
    const row = corpusManifest().find((r) => r.theme === 'animal')!;
    const audio = (await loadMono(join(corpusDir(), row.file))).samples.slice(8000, 8000 + SAMPLES);
    await writeNpy(join(work, 'audio.npy'), audio, [SAMPLES]);
    runPython(BUILD, [work, JSON.stringify(CONFIG)]);
    const config = wavenetModelConfig({
      name: 'parity-wavenet',
      version: '0',
      wavenet: CONFIG,
      credits: { trainingData: [], model: 'random weights', license: 'CC0-1.0' },
    });
    await writeFile(join(work, 'pkg', 'config.json'), JSON.stringify(config));
    // The package loader checks every variable name and shape of the trainer's safetensors.
    const pkg = (await loadModelPackage(join(work, 'pkg'), { strict: true })) as WaveNetPackage;

    // Encoder: the runtime's ONNX encoder vs PyTorch's.
    const torchLatents = await npy(join(work, 'latents.npy'));
    expect(torchLatents.shape).toEqual([FRAMES, 16]);
    const encoder = await createWaveNetEncoder(pkg, { threads: 1 });
    const embedding = await encoder.encode(audio);
    await encoder.dispose();
    expect(embedding.frames).toBe(FRAMES);
    let latentErr = 0;
    let latentScale = 0;
    for (let i = 0; i < embedding.data.length; i++) {
      latentErr = Math.max(latentErr, Math.abs(embedding.data[i] - torchLatents.data[i]));
      latentScale = Math.max(latentScale, Math.abs(torchLatents.data[i]));
    }
    expect(latentScale).toBeGreaterThan(0);
    expect(latentErr / latentScale).toBeLessThan(1e-4);

    // Decoder: generate from PyTorch's latents, keeping every step's logits...
    const generator = await createWaveNetGenerator(pkg, { threads: 1 });
    const stepLogits: Float32Array[] = [];
    const [generated] = await generator.generate(
      [{ frames: FRAMES, dims: 16, data: torchLatents.data }],
      {
        seed: 11,
        onLogits: (step, _stream, logits) => {
          stepLogits[step] = Float32Array.from(logits);
        },
      },
    );
    await generator.dispose();
    expect(stepLogits).toHaveLength(SAMPLES);
    // ...then PyTorch's full-sequence decoder, teacher-forced with that audio.
    await writeNpy(join(work, 'generated.npy'), generated, [SAMPLES]);
    runPython(TEACHER_FORCE, [work, JSON.stringify(CONFIG)]);
    const torchLogits = await npy(join(work, 'logits.npy'));
    expect(torchLogits.shape).toEqual([SAMPLES, 256]);
    let worst = 0;
    let worstStep = -1;
    for (let t = 0; t < SAMPLES; t++) {
      for (let k = 0; k < 256; k++) {
        const d = Math.abs(stepLogits[t][k] - torchLogits.data[t * 256 + k]);
        if (d > worst) {
          worst = d;
          worstStep = t;
        }
      }
    }
    expect(worst, `largest logit difference at step ${worstStep}`).toBeLessThan(1e-4);
    // The sequence really varies (sampling happened), so the comparison covers real feedback.
    expect(new Set(generated).size).toBeGreaterThan(10);
  });
});
