import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  MAX_CLIP_SECONDS,
  MAX_TRACK_SECONDS,
  maxClipsFor,
  RUN_SYNTH_BATCH,
  runPipeline,
} from '../../src/pipeline/run.js';
import { corpusDir } from '../helpers/shared.js';

// The real model, watched: every decode call's batch size is recorded.
const batches: number[] = [];
vi.mock('../../src/model/autoencoder.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/model/autoencoder.js')>();
  return {
    ...real,
    openAutoencoder: async (...args: Parameters<typeof real.openAutoencoder>) => {
      const model = await real.openAutoencoder(...args);
      return {
        ...model,
        info: model.info,
        encode: model.encode.bind(model),
        close: model.close.bind(model),
        decode: (
          embeddings: Parameters<typeof model.decode>[0],
          options?: Parameters<typeof model.decode>[1],
        ) => {
          batches.push(embeddings.length);
          return model.decode(embeddings, options);
        },
      };
    },
  };
});

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'commonsynth-run-batches-'));
});

describe('run --pairs N (issue 12 #1)', () => {
  it('decodes its clips in bounded batches, whatever N is', async () => {
    const pairs = 2 * RUN_SYNTH_BATCH + 1;
    const report = await runPipeline({
      source: { kind: 'folder', dir: join(corpusDir(), 'audio') },
      outDir: join(work, 'many'),
      pairs,
      lengthSeconds: 12,
      seed: 4,
      storeDir: join(work, 'store'),
    });
    expect(report.counts).toMatchObject({ clips: pairs, failed: 0 });
    expect(Math.max(...batches)).toBeLessThanOrEqual(RUN_SYNTH_BATCH);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(pairs);
  });

  it('refuses more clips than the track can hold, before any work', async () => {
    const outDir = join(work, 'too-many');
    // The shipped model: 16 kHz, hop 512, so a 10 s track has 312 frames.
    expect(maxClipsFor(10, 16000, 512)).toBe(312);
    const run = runPipeline({
      source: { kind: 'folder', dir: join(corpusDir(), 'audio') },
      outDir,
      pairs: 10000,
      lengthSeconds: 10,
      storeDir: join(work, 'store'),
    });
    await expect(run).rejects.toThrow(UsageError);
    await expect(run).rejects.toThrow(/--pairs 10000: a 10 s track holds at most 312 clips/);
    expect(existsSync(outDir)).toBe(false);
  });
});

describe('run length bounds (issue 12 #3)', () => {
  it('refuses --length and --clip-length beyond their documented bounds, typed, before any work', async () => {
    const outDir = join(work, 'too-long');
    const base = {
      source: { kind: 'folder' as const, dir: join(corpusDir(), 'audio') },
      outDir,
      storeDir: join(work, 'store'),
    };
    const long = runPipeline({ ...base, lengthSeconds: 1e9 });
    await expect(long).rejects.toThrow(UsageError);
    await expect(long).rejects.toThrow(`--length must be at most ${MAX_TRACK_SECONDS} seconds`);
    const clip = runPipeline({ ...base, lengthSeconds: 10, clipSeconds: 1e9 });
    await expect(clip).rejects.toThrow(`--clip-length must be at most ${MAX_CLIP_SECONDS} seconds`);
    expect(existsSync(outDir)).toBe(false);
  });
});
