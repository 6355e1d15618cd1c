import { describe, expect, it } from 'vitest';
import { naiveEncoder, noise, SMALL, smallModel } from '../../../test/wavenet/reference.js';
import { createWaveNetEncoder, EncoderInputError, encodeAudio } from './encoder.js';
import { encoderHalfReceptiveField } from './encoder-graph.js';

const model = smallModel(5);

function maxDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Audio with a bit of everything: quiet and loud parts, exact zeros, full-scale values. */
function testClip(samples: number, seed: number): Float32Array {
  const audio = noise(samples, seed, 1);
  for (let i = 0; i < samples; i++) audio[i] *= 0.5 + 0.5 * Math.sin(i / 97);
  audio.fill(0, 100, 160);
  audio[10] = 1;
  audio[11] = -1;
  return audio;
}

describe('WaveNet encoder graph', () => {
  it('matches a naive SAME-padded convolution encoder on a whole clip', async () => {
    const audio = testClip(20 * SMALL.hop, 1);
    const embedding = await encodeAudio(
      model,
      { sampleRate: 16000, samples: audio },
      { threads: 1 },
    );
    const expected = naiveEncoder(SMALL, model.weights, audio);
    expect(embedding.frames).toBe(20);
    expect(embedding.dims).toBe(16);
    expect(maxDifference(embedding.data, expected.data)).toBeLessThan(1e-4);
  });

  it('gives the same frames when long clips are encoded in overlapping windows, batched', async () => {
    // Half receptive field 1 + (1+2+4)*2 = 15 samples → a margin of one 64-sample frame.
    expect(encoderHalfReceptiveField(model)).toBe(15);
    const encoder = await createWaveNetEncoder(model, {
      threads: 1,
      windowFrames: 4,
      batchSize: 3,
    });
    const clips = [
      testClip(23 * SMALL.hop, 2),
      testClip(9 * SMALL.hop, 3),
      testClip(3 * SMALL.hop, 4),
    ];
    const embeddings = await encoder.encodeMany(clips);
    await encoder.dispose();
    embeddings.forEach((embedding, i) => {
      const expected = naiveEncoder(SMALL, model.weights, clips[i]);
      expect(embedding.frames).toBe(expected.frames);
      expect(maxDifference(embedding.data, expected.data)).toBeLessThan(1e-4);
    });
  });

  it('crops a partial last hop by default (as Magenta) and zero-pads it on request', async () => {
    const audio = testClip(10 * SMALL.hop + 17, 6);
    const encoder = await createWaveNetEncoder(model, { threads: 1 });
    const cropped = await encoder.encode(audio);
    expect(cropped.frames).toBe(10);
    const croppedRef = naiveEncoder(SMALL, model.weights, audio.subarray(0, 10 * SMALL.hop));
    expect(maxDifference(cropped.data, croppedRef.data)).toBeLessThan(1e-4);

    const padded = await encoder.encode(audio, { tail: 'pad' });
    expect(padded.frames).toBe(11);
    const withZeros = new Float32Array(11 * SMALL.hop);
    withZeros.set(audio);
    expect(
      maxDifference(padded.data, naiveEncoder(SMALL, model.weights, withZeros).data),
    ).toBeLessThan(1e-4);

    await expect(encoder.encode(new Float32Array(SMALL.hop - 1))).rejects.toThrow(
      /shorter than one frame/,
    );
    await expect(encoder.encode({ sampleRate: 44100, samples: audio })).rejects.toThrow(
      EncoderInputError,
    );
    const bad = audio.slice();
    bad[5] = Number.NaN;
    await expect(encoder.encode(bad)).rejects.toThrow(/non-finite sample at index 5/);
    await encoder.dispose();
  });
});
