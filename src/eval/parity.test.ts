import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonHas, runPython } from '../../test/helpers/python.js';
import { corpusDir, corpusManifest } from '../../test/helpers/shared.js';
import { decodeNpy, loadMono, writeNpy } from '../audio/index.js';
import { addNoiseAt, whiteNoise } from './baselines.js';
import { evaluate, type QualityScores } from './metrics.js';

/**
 * The quality measure is implemented twice, here and in the trainer (train/metrics.py, numpy):
 * both must give the same numbers on the same clips, and the same baseline noise.
 */

const hasNumpy = pythonHas('numpy');

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'commonsynth-eval-parity-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function relative(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}

describe.skipIf(!hasNumpy)('quality measure parity with train/metrics.py', () => {
  it('gives the same scores and baselines on corpus clips and synthetic pairs', async () => {
    const row = corpusManifest().find((r) => r.theme === 'music')!;
    const audio = await loadMono(join(corpusDir(), row.file));
    const music = audio.samples.slice(0, 16000 * 2);
    const n = music.length;
    const tone = Float32Array.from(
      { length: n },
      (_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / 16000),
    );
    const smeared = Float32Array.from(music, (v, i) => 0.5 * v + 0.5 * (i > 0 ? music[i - 1] : 0));
    const noise = Float32Array.from(whiteNoise(n, 9), (v) => 0.05 * v);
    const pairs: Array<[string, Float32Array, Float32Array]> = [
      ['music-vs-noisy', music, addNoiseAt(music)],
      ['music-vs-smeared', music, smeared],
      ['music-vs-silence', music, new Float32Array(n)],
      ['tone-vs-music', tone, music],
      ['noise-vs-half', noise, Float32Array.from(noise, (v) => v * 0.5)],
    ];
    const ours: Record<string, QualityScores> = {};
    for (const [name, original, reconstruction] of pairs) {
      await writeNpy(join(work, `${name}.orig.npy`), original, [n]);
      await writeNpy(join(work, `${name}.rec.npy`), reconstruction, [n]);
      ours[name] = evaluate(original, reconstruction);
    }
    const script = `
import json, sys
import numpy as np
from train import metrics
out = {}
for name in sys.argv[2:]:
    o = np.load(f"{sys.argv[1]}/{name}.orig.npy")
    r = np.load(f"{sys.argv[1]}/{name}.rec.npy")
    out[name] = metrics.evaluate(o, r)
np.save(f"{sys.argv[1]}/py-noisy.npy", metrics.add_noise_at(np.load(f"{sys.argv[1]}/music-vs-noisy.orig.npy")))
print(json.dumps(out))
`;
    const theirs = JSON.parse(runPython(script, [work, ...pairs.map((p) => p[0])])) as Record<
      string,
      QualityScores
    >;
    for (const [name] of pairs) {
      const a = ours[name];
      const b = theirs[name];
      for (const [what, x, y] of [
        ['sc', a.stft.sc, b.stft.sc],
        ['logMag', a.stft.logMag, b.stft.logMag],
        ['total', a.stft.total, b.stft.total],
        ['logMelL1Db', a.logMelL1Db, b.logMelL1Db],
      ] as const) {
        expect(relative(x, y), `${name} ${what}: TS ${x} vs Python ${y}`).toBeLessThan(1e-4);
      }
    }
    // The -20 dB noise baseline: the same seeded noise, sample for sample.
    // A standalone Uint8Array copy: decodeNpy must not see a Node Buffer's shared pool.
    const pyNoisy = decodeNpy(new Uint8Array(await readFile(join(work, 'py-noisy.npy')))).data;
    const tsNoisy = addNoiseAt(music);
    let maxDiff = 0;
    for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs(pyNoisy[i] - tsNoisy[i]));
    expect(maxDiff).toBeLessThan(1e-7);
  });
});
