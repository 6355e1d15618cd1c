import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../../test/helpers/cli.js';
import { codecsDir, corpusDir, repoRoot } from '../../../test/helpers/shared.js';
import { randomEmbedding, SMALL, smallModel } from '../../../test/wavenet/reference.js';
import { loadEmbedding, loadMono, readWav, saveEmbedding } from '../../audio/index.js';
import { saveWaveNetPackage } from '../../model/package/index.js';
import { createWaveNetEncoder } from '../../model/wavenet/encoder.js';
import type { FileJobResult } from '../../model/wavenet/jobs.js';

const robin = join(
  corpusDir(),
  'audio/animal/456440__inspectorj__bird-whistling-robin-single-13.ogg',
);
const broken = join(codecsDir(), 'broken-file.ogg');
const model = smallModel(3);
let dir: string;
let pkg: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'commonsynth-synth-cli-'));
  pkg = join(dir, 'small-wavenet');
  await saveWaveNetPackage(pkg, {
    name: 'small-wavenet',
    version: '0.0.1',
    wavenet: SMALL,
    weights: model.weights,
    credits: { trainingData: [], model: 'random test weights', license: 'CC0-1.0' },
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('commonsynth encode', () => {
  it('writes <name>_embeddings.npy [frames, 16] for real audio and records a broken file as failed', async () => {
    const out = join(dir, 'encoded');
    const { code, out: stdout } = await cli(
      'encode',
      robin,
      broken,
      '--model',
      pkg,
      '--out',
      out,
      '--json',
    );
    expect(code).toBe(1);
    const result = JSON.parse(stdout) as FileJobResult;
    expect(result.failures.map((f) => f.input)).toEqual([broken]);
    expect(result.outputs).toHaveLength(1);
    const written = join(out, '456440__inspectorj__bird-whistling-robin-single-13_embeddings.npy');
    expect(result.outputs[0].output).toBe(written);

    // The same as the library on the same decoded audio: Magenta's cropping to whole hops.
    const audio = await loadMono(robin);
    const embedding = await loadEmbedding(written);
    expect(embedding.dims).toBe(16);
    expect(embedding.frames).toBe(Math.floor(audio.samples.length / SMALL.hop));
    const encoder = await createWaveNetEncoder(model, { threads: 1 });
    const expected = await encoder.encode(audio);
    await encoder.dispose();
    expect(embedding.data).toEqual(expected.data);
  });
});

describe('commonsynth synth', () => {
  it('generates gen_<name>.wav for each input in one batch, reproducibly from the seed', async () => {
    const a = join(dir, 'a_embeddings.npy');
    const b = join(dir, 'b.npy');
    await saveEmbedding(a, randomEmbedding(12, 1));
    await saveEmbedding(b, randomEmbedding(7, 2));
    const first = await cli(
      'synth',
      a,
      b,
      '--model',
      pkg,
      '--out',
      join(dir, 's1'),
      '--seed',
      '5',
      '--json',
    );
    expect(first.code).toBe(0);
    const result = JSON.parse(first.out) as FileJobResult;
    expect(result.outputs.map((o) => o.output)).toEqual([
      join(dir, 's1', 'gen_a.wav'),
      join(dir, 's1', 'gen_b.wav'),
    ]);
    const wav = await readWav(join(dir, 's1', 'gen_a.wav'));
    expect(wav.sampleRate).toBe(16000);
    expect(wav.channels[0].length).toBe(12 * SMALL.hop);

    await cli('synth', a, b, '--model', pkg, '--out', join(dir, 's2'), '--seed', '5');
    await cli('synth', a, b, '--model', pkg, '--out', join(dir, 's3'), '--seed', '6');
    const bytes = (d: string) => readFile(join(dir, d, 'gen_a.wav'));
    expect((await bytes('s2')).equals(await bytes('s1'))).toBe(true);
    expect((await bytes('s3')).equals(await bytes('s1'))).toBe(false);
    // No state file is left behind after success.
    expect(readdirSync(join(dir, 's1')).filter((f) => f.endsWith('.state'))).toEqual([]);
  });

  it('rejects bad options with a usage error (exit 2)', async () => {
    const a = join(dir, 'a_embeddings.npy');
    expect(
      (await cli('synth', a, '--model', pkg, '--out', join(dir, 'x'), '--temperature', '-1')).code,
    ).toBe(2);
    expect(
      (await cli('synth', a, '--model', pkg, '--out', join(dir, 'x'), '--precision', 'fp8')).code,
    ).toBe(2);
  });

  it('resumes after SIGKILL when the same command runs again, with identical audio', async () => {
    const input = join(dir, 'long_embeddings.npy');
    await saveEmbedding(input, randomEmbedding(250, 3)); // 16,000 steps
    const args = (out: string) => [
      'synth',
      input,
      '--model',
      pkg,
      '--out',
      out,
      '--seed',
      '9',
      '--checkpoint-seconds',
      '0.2',
    ];
    const reference = join(dir, 'uninterrupted');
    expect((await cli(...args(reference))).code).toBe(0);

    const out = join(dir, 'killed');
    const startCli = () =>
      spawn(
        process.execPath,
        ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), ...args(out)],
        {
          cwd: repoRoot,
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
    const first = startCli();
    const firstExit = new Promise<number | null>((resolve) =>
      first.on('exit', (code) => resolve(code)),
    );
    const deadline = Date.now() + 60_000;
    while (!(existsSync(out) && readdirSync(out).some((f) => f.endsWith('.state')))) {
      if (Date.now() > deadline) throw new Error('no state file appeared');
      await new Promise((r) => setTimeout(r, 20));
    }
    first.kill('SIGKILL');
    expect(await firstExit).toBeNull();
    expect(existsSync(join(out, 'gen_long.wav'))).toBe(false);

    const second = startCli();
    let stderr = '';
    second.stderr.on('data', (d) => {
      stderr += d;
    });
    expect(await new Promise((resolve) => second.on('exit', resolve))).toBe(0);
    expect(stderr).toMatch(/resuming from .*\.state/);
    const resumed = await readFile(join(out, 'gen_long.wav'));
    expect(resumed.equals(await readFile(join(reference, 'gen_long.wav')))).toBe(true);
  });
});
