import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMono, saveEmbedding } from '../../src/audio/index.js';
import { openAutoencoder } from '../../src/model/autoencoder.js';
import { cli } from '../helpers/cli.js';
import { corpusDir } from '../helpers/shared.js';

describe('synth on a damaged .npy (issue 12 #9)', () => {
  it('refuses NaN and infinite embeddings, naming the file, and exits 1', async () => {
    const work = await mkdtemp(join(tmpdir(), 'commonsynth-synth-nan-'));
    const model = await openAutoencoder();
    let embedding: Awaited<ReturnType<typeof model.encode>>;
    try {
      const audio = await loadMono(join(corpusDir(), 'audio', 'nature', '4-161127-A-10.flac'), {
        sampleRate: model.info.sampleRate,
      });
      embedding = await model.encode(audio);
    } finally {
      await model.close();
    }
    for (const [name, value] of [
      ['nan', Number.NaN],
      ['inf', Number.POSITIVE_INFINITY],
    ] as const) {
      const data = embedding.data.slice();
      data[3 * embedding.dims + 1] = value;
      const file = join(work, `${name}_embeddings.npy`);
      await saveEmbedding(file, { ...embedding, data });
      const result = await cli('synth', file, '--out', join(work, `out-${name}`), '--json');
      expect(result.code).toBe(1);
      const parsed = JSON.parse(result.out) as {
        outputs: unknown[];
        failures: { error: string }[];
      };
      expect(parsed.outputs).toEqual([]);
      expect(parsed.failures[0].error).toContain(file);
      expect(parsed.failures[0].error).toMatch(/non-finite value \((NaN|Infinity)\) at frame 3/);
    }
  });
});
