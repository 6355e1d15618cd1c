import { describe, expect, it } from 'vitest';
import { noise, SMALL, smallModel } from '../../../test/wavenet/reference.js';
import { createSession, ort } from '../onnx/session.js';
import { dilationOf } from '../wavenet-config.js';
import { buildDecoderStepGraph, quantizeColumns, ringSlots, stepNames } from './decoder-graph.js';

describe('decoder step graph', () => {
  it('reads the queues the same whether fed as taps or as whole ring buffers', async () => {
    const model = smallModel(3);
    const B = 2;
    const W = SMALL.width;
    const taps = await createSession(buildDecoderStepGraph(model, { queues: 'taps' }), {
      threads: 1,
    });
    const ring = await createSession(buildDecoderStepGraph(model, { queues: 'ring' }), {
      threads: 1,
    });
    const t = 9;
    const common: Record<string, ort.Tensor> = {
      [stepNames.x]: new ort.Tensor('float32', noise(B * 3, 1), [B, 3]),
      [stepNames.condOut]: new ort.Tensor('float32', noise(B * SMALL.skipWidth, 2), [
        B,
        SMALL.skipWidth,
      ]),
    };
    const tapFeeds: Record<string, ort.Tensor> = { ...common };
    const ringFeeds: Record<string, ort.Tensor> = { ...common };
    for (let i = 1; i <= SMALL.numLayers; i++) {
      const d = dilationOf(i - 1, SMALL.numStages);
      const slots = ringSlots(d);
      const buffer = noise(slots * B * W, 10 + i);
      const slot = (time: number) => ((time % slots) + slots) % slots;
      const at = (time: number) => buffer.slice(slot(time) * B * W, (slot(time) + 1) * B * W);
      const cond = new ort.Tensor('float32', noise(B * 2 * W, 30 + i), [B, 2 * W]);
      tapFeeds[stepNames.cond(i)] = cond;
      ringFeeds[stepNames.cond(i)] = cond;
      tapFeeds[stepNames.past2(i)] = new ort.Tensor('float32', at(t - 2 * d), [B, W]);
      tapFeeds[stepNames.past1(i)] = new ort.Tensor('float32', at(t - d), [B, W]);
      ringFeeds[stepNames.ring(i)] = new ort.Tensor('float32', buffer, [slots, B, W]);
      ringFeeds[stepNames.slots(d)] = new ort.Tensor(
        'int64',
        BigInt64Array.of(BigInt(slot(t - 2 * d)), BigInt(slot(t - d))),
        [2],
      );
    }
    const a = await taps.run(tapFeeds);
    const b = await ring.run(ringFeeds);
    expect(Array.from(b.logits.data as Float32Array)).toEqual(
      Array.from(a.logits.data as Float32Array),
    );
    const spread =
      Math.max(...(a.logits.data as Float32Array)) - Math.min(...(a.logits.data as Float32Array));
    expect(spread).toBeGreaterThan(0.01);
    await taps.release();
    await ring.release();
  });

  it('quantises weights per column to int8 with scale = max|column| / 127', () => {
    const m = Float32Array.from([0.5, -2, -1, 1, 0.25, 0]);
    const { values, scales } = quantizeColumns(m, 3, 2);
    expect(Array.from(scales)).toEqual([Math.fround(1 / 127), Math.fround(2 / 127)]);
    expect(Array.from(values)).toEqual([64, -127, -127, 64, 32, 0]);
  });
});
