import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMono } from '../../src/audio/index.js';
import {
  createRecipe,
  extractSegment,
  largestLatentStep,
  parseRecipe,
  type Recipe,
  renderRecipeWith,
  segmentFrameIndex,
} from '../../src/mashup/index.js';
import { type Autoencoder, openAutoencoder } from '../../src/model/autoencoder.js';
import type { Embedding } from '../../src/types.js';
import { clickExcessAt, clickExcessDb } from '../helpers/clicks.js';
import { corpusDir } from '../helpers/shared.js';

/**
 * A source shorter than its segment, rendered with the default model: the default fit
 * (pingpong) leaves no click at the seams and no latent step larger than the source's own.
 * The source is ESC-50 wind (steady, so a click cannot hide in the sound's own transients).
 */

const SOURCE = join('audio', 'nature', '2-104952-A-16.flac');
let model: Autoencoder;
let source: Embedding;

beforeAll(async () => {
  model = await openAutoencoder(undefined, { threads: 2 });
  const audio = await loadMono(join(corpusDir(), SOURCE), { sampleRate: model.info.sampleRate });
  source = await model.encode(audio);
}, 120_000);

afterAll(async () => {
  await model?.close();
});

function twiceAsLong(fit?: Recipe['fit']): Recipe {
  return createRecipe([{ embedding: source, path: SOURCE }], {
    seed: 3,
    model: { name: model.info.name },
    frames: 2 * source.frames,
    offsets: 'start',
    weights: { type: 'keyframes', easing: 'linear', keyframes: [{ frame: 0, weights: [1] }] },
    ...(fit ? { fit } : {}),
  });
}

/** Output frames where the read position turns or wraps. */
function seams(recipe: Recipe): number[] {
  const out: number[] = [];
  const n = source.frames;
  for (let j = 1; j + 1 < recipe.frames; j++) {
    const [a, b, c] = [j - 1, j, j + 1].map((k) => segmentFrameIndex(k, 0, n, recipe.fit));
    if (b - a !== c - b) out.push(j);
  }
  return out;
}

describe('a segment twice its source', () => {
  it('defaults to pingpong: no click at the seams, no step beyond the source’s own', async () => {
    const recipe = twiceAsLong();
    expect(recipe.fit).toBe('pingpong');
    const path = renderRecipeWith(recipe, [source]);
    expect(largestLatentStep(path)).toBeLessThanOrEqual(largestLatentStep(source));
    const [audio] = await model.decode([path]);
    const rate = model.info.sampleRate;
    const excess = clickExcessDb(audio, rate);
    const at = seams(recipe);
    expect(at.length).toBeGreaterThanOrEqual(1);
    for (const frame of at) {
      // The >4 kHz energy of 5 ms frames within one latent frame of the seam stays within 6 dB
      // of the median of its 200 ms neighbourhood.
      const worst = clickExcessAt(excess, frame * model.info.hop, model.info.hop / rate, rate);
      expect(worst, `seam at frame ${frame}`).toBeLessThan(6);
    }
  }, 120_000);

  it('an old loop recipe renders exactly as before, and its seam clicks', async () => {
    const recipe = parseRecipe(JSON.parse(JSON.stringify(twiceAsLong('loop'))));
    expect(recipe.fit).toBe('loop');
    const path = renderRecipeWith(recipe, [source]);
    expect(Buffer.from(path.data.buffer)).toEqual(
      Buffer.from(extractSegment(source, 0, recipe.frames, 'loop').data.buffer),
    );
    // The wrap is a latent jump, and what the measure above calls a click.
    const rate = model.info.sampleRate;
    const clickAtSeam = async (latents: typeof path): Promise<number> => {
      const [audio] = await model.decode([latents]);
      return clickExcessAt(
        clickExcessDb(audio, rate),
        source.frames * model.info.hop,
        model.info.hop / rate,
        rate,
      );
    };
    // The shipped model's noise decoder (0.3.0) softens the wrap's click (0.2.0: +7.9 dB, 0.3.0:
    // +4.8 dB), but the wrap still clicks louder than the same seam rendered with pingpong.
    const smooth = renderRecipeWith(
      parseRecipe(JSON.parse(JSON.stringify(twiceAsLong('pingpong')))),
      [source],
    );
    expect(await clickAtSeam(path)).toBeGreaterThan((await clickAtSeam(smooth)) + 2);
  }, 120_000);

  it('pingpong turns on frames 1 and n−2, one step at a time', () => {
    const n = 6;
    const read = Array.from({ length: 14 }, (_, j) => segmentFrameIndex(j, 0, n, 'pingpong'));
    expect(read).toEqual([0, 1, 2, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1]);
    expect(segmentFrameIndex(5, 0, 3, 'pingpong')).toBe(segmentFrameIndex(5, 0, 3, 'reflect'));
  });
});
