import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEmbedding, loadEmbeddings, writeNpy } from '../../src/audio/npy.js';
import { synthOutputName } from '../../src/model/wavenet/jobs.js';
import { loadSynthInput } from '../../src/pipeline/synth-inputs.js';

// Issue 12 defect 14: fastgen.encode saves [1, frames, 16] (batch first).
let work: string;
const frames = 78;
const values = Float32Array.from({ length: 2 * frames * 16 }, (_, i) => Math.sin(i / 7));
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'npy-batch-'));
  await writeNpy(join(work, 'one.npy'), values.subarray(0, frames * 16), [1, frames, 16]);
  await writeNpy(join(work, 'two.npy'), values, [2, frames, 16]);
  await writeNpy(join(work, 'bad.npy'), values, [2, 1, frames, 16]);
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('batch-first embeddings', () => {
  it('accepts [1, frames, 16] as one embedding', async () => {
    const e = await loadEmbedding(join(work, 'one.npy'));
    expect([e.frames, e.dims]).toEqual([frames, 16]);
    expect(Array.from(e.data)).toEqual(Array.from(values.subarray(0, frames * 16)));
  });
  it('reads [N, frames, 16] as N streams named <name>-<i>', async () => {
    const all = await loadEmbeddings(join(work, 'two.npy'));
    expect(all).toHaveLength(2);
    expect(all[1].data[0]).toBe(values[frames * 16]);
    const read = await loadSynthInput(join(work, 'two.npy'), {} as never);
    expect(Array.isArray(read) && read.length).toBe(2);
    expect(synthOutputName('two.npy', 'wav', 1)).toBe('gen_two-1.wav');
    await expect(loadEmbedding(join(work, 'two.npy'))).rejects.toThrow(/batch of 2/);
  });
  it('refuses other shapes clearly', async () => {
    await expect(loadEmbedding(join(work, 'bad.npy'))).rejects.toThrow(/\[2, 1, 78, 16\]/);
  });
});
