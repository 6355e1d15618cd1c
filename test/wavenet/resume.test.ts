import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpoint, SynthCheckpointError } from '../../src/model/wavenet/checkpoint.js';
import {
  createWaveNetGenerator,
  GenerationAbortedError,
} from '../../src/model/wavenet/generator.js';
import { repoRoot } from '../helpers/shared.js';
import { resumeJob } from './resume-job.js';

const dir = mkdtempSync(join(tmpdir(), 'commonsynth-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function uninterrupted(): Promise<Float32Array[]> {
  const generator = await createWaveNetGenerator(resumeJob.model, { threads: 1 });
  const audio = await generator.generate(resumeJob.embeddings, resumeJob.options);
  await generator.dispose();
  return audio;
}

function joined(audio: Float32Array[]): Float32Array {
  const out = new Float32Array(audio.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of audio) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

function runChild(checkpoint: string, out: string, slowMs: number) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'test/wavenet/synth-child.ts'),
      checkpoint,
      out,
      String(slowMs),
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('resumable synth', () => {
  it('resumes after an abort and gives the same audio as an uninterrupted run', async () => {
    const expected = await uninterrupted();
    const path = join(dir, 'abort.state');
    const generator = await createWaveNetGenerator(resumeJob.model, { threads: 1 });
    const controller = new AbortController();
    await expect(
      generator.generate(resumeJob.embeddings, {
        ...resumeJob.options,
        checkpoint: path,
        signal: controller.signal,
        onProgress: ({ step }) => {
          if (step === 150) controller.abort();
        },
      }),
    ).rejects.toThrow(GenerationAbortedError);
    expect(readCheckpoint(path)?.header.step).toBe(150);

    // Another job must not pick up this state.
    await expect(
      generator.generate(resumeJob.embeddings, {
        ...resumeJob.options,
        seed: 78,
        checkpoint: path,
      }),
    ).rejects.toThrow(SynthCheckpointError);

    let firstStep = -1;
    const resumed = await generator.generate(resumeJob.embeddings, {
      ...resumeJob.options,
      checkpoint: path,
      onProgress: ({ step }) => {
        if (firstStep < 0) firstStep = step;
      },
    });
    await generator.dispose();
    expect(firstStep).toBe(151);
    expect(resumed).toEqual(expected);
    expect(existsSync(path)).toBe(false); // removed after success
  });

  it('resumes after SIGKILL of a child process with bit-identical audio', async () => {
    const expected = joined(await uninterrupted());
    const checkpoint = join(dir, 'kill.state');
    const out = join(dir, 'kill.f32');

    const first = runChild(checkpoint, out, 4);
    // Kill once a checkpoint past step 100 is on disk (the child saves every 25 steps).
    const deadline = Date.now() + 60_000;
    for (;;) {
      const saved = existsSync(checkpoint) ? readCheckpoint(checkpoint) : null;
      if (saved && saved.header.step >= 100) break;
      if (Date.now() > deadline)
        throw new Error(`child made no progress: ${first.output().stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull(); // killed, not finished
    expect(existsSync(out)).toBe(false);

    const second = runChild(checkpoint, out, 0);
    expect(await second.exited).toBe(0);
    const { stdout } = second.output();
    const start = Number(/start (\d+)/.exec(stdout)?.[1]);
    expect(start).toBeGreaterThanOrEqual(100);
    const bytes = readFileSync(out);
    const audio = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    expect(audio.length).toBe(expected.length);
    expect(
      Buffer.compare(
        Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength),
        Buffer.from(expected.buffer),
      ),
    ).toBe(0);
  });
});
