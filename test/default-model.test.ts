import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMono, readWav } from '../src/audio/index.js';
import { baselineScores, evaluate } from '../src/eval/index.js';
import { loadModelPackage } from '../src/model/package/index.js';
import { resolveModel, shippedDefaultModelDir } from '../src/model/registry.js';
import { cli } from './helpers/cli.js';
import { corpusDir, corpusManifest, repoRoot } from './helpers/shared.js';

/**
 * The model that ships in the package (models/default): it is there, it loads, and a corpus file
 * goes through `commonsynth encode` and `commonsynth synth` with no --model and comes back as
 * audio that resembles the original.
 */

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'commonsynth-default-model-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the shipped default model', () => {
  it('is in the package, small enough to ship, and loads', async () => {
    expect(shippedDefaultModelDir()).toBe(join(repoRoot, 'models', 'default'));
    const resolved = await resolveModel();
    expect(resolved.isDefault).toBe(true);
    const pkg = await loadModelPackage(resolved.dir);
    expect(pkg.family).toBe('parallel-ae');
    expect(pkg.config).toMatchObject({ sampleRate: 16000, hop: 512, embeddingDims: 16 });
    // Every training file is credited.
    expect(pkg.config.credits.trainingData.length).toBeGreaterThan(10);
    let bytes = 0;
    for (const name of await readdir(resolved.dir)) {
      bytes += (await stat(join(resolved.dir, name))).size;
    }
    expect(bytes).toBeLessThan(20 * 1024 * 1024);
  });

  it('round-trips a corpus file through encode and synth without --model', async () => {
    const row = corpusManifest().find((r) => r.theme === 'nature')!;
    const input = join(corpusDir(), row.file);
    const encoded = await cli('encode', input, '--out', join(work, 'emb'), '--threads', '2');
    expect(encoded.code, encoded.err).toBe(0);
    const npy = join(work, 'emb', `${basename(row.file).replace(/\.[^.]+$/, '')}_embeddings.npy`);
    expect(existsSync(npy)).toBe(true);
    const synthesised = await cli('synth', npy, '--out', join(work, 'wav'), '--threads', '2');
    expect(synthesised.code, synthesised.err).toBe(0);
    const [wavName] = (await readdir(join(work, 'wav'))).filter((f) => f.endsWith('.wav'));
    const wav = await readWav(join(work, 'wav', wavName));
    expect(wav.sampleRate).toBe(16000);
    const original = (await loadMono(input)).samples;
    const reconstruction = wav.channels[0];
    // One frame per 512 samples, a ragged end padded.
    expect(reconstruction.length).toBe(Math.ceil(original.length / 512) * 512);
    // It sounds like the original: far closer than silence on both measures.
    const scores = evaluate(original, reconstruction.subarray(0, original.length));
    const { silence } = baselineScores(original);
    expect(scores.stft.total).toBeLessThan(0.5 * silence.stft.total);
    expect(scores.logMelL1Db).toBeLessThan(0.5 * silence.logMelL1Db);
  });
});
