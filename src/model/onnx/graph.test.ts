import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { GraphBuildError, GraphBuilder } from './graph.js';
import { createSession, ort } from './session.js';

describe('GraphBuilder', () => {
  it('builds a model ONNX Runtime runs: Gemm + Relu + a dilated Conv', async () => {
    const g = new GraphBuilder('test');
    const x = g.input('x', 'float32', ['batch', 2]);
    const w = g.initializer('w', Float32Array.from([1, 2, 3, -4, 5, 6]), [2, 3]);
    const b = g.initializer('b', Float32Array.from([0.5, 0, -100]), [3]);
    g.node('Relu', [g.node('Gemm', [x, w, b])], {}, { output: 'y' });
    g.output('y', 'float32', ['batch', 3]);
    // Conv over [1, 1, 5] with taps (1, 10, 100) at dilation 2, SAME padding.
    const seq = g.input('seq', 'float32', [1, 1, 5]);
    const k = g.initializer('k', Float32Array.from([1, 10, 100]), [1, 1, 3]);
    g.node('Conv', [seq, k], { dilations: [2], pads: [2, 2], kernel_shape: [3] }, { output: 'z' });
    g.output('z', 'float32', [1, 1, 5]);
    g.node('LeakyRelu', [x], { alpha: { float: 0.25 } }, { output: 'leaky' });
    g.output('leaky', 'float32', ['batch', 2]);

    const bytes = g.toBytes();
    const decoded = onnxProto.onnx.ModelProto.decode(bytes);
    expect(decoded.graph?.initializer?.map((t) => t.name)).toEqual(['w', 'b', 'k']);

    const session = await createSession(bytes, { threads: 1 });
    const out = await session.run({
      x: new ort.Tensor('float32', Float32Array.from([1, 1, -1, 2]), [2, 2]),
      seq: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5]), [1, 1, 5]),
    });
    // Row 1: [1-4, 2+5, 3+6] + b = [-2.5, 7, -91] → relu; row 2: [-1-8, -2+10, -3+12] + b.
    expect(Array.from(out.y.data as Float32Array)).toEqual([0, 7, 0, 0, 8, 0]);
    // z[t] = 1*x[t-2] + 10*x[t] + 100*x[t+2], zeros outside.
    expect(Array.from(out.z.data as Float32Array)).toEqual([310, 420, 531, 42, 53]);
    expect(Array.from(out.leaky.data as Float32Array)).toEqual([1, 1, -0.25, 2]);
    await session.release();
  });

  it('rejects inconsistent graphs with a GraphBuildError', () => {
    const g = new GraphBuilder('bad');
    const x = g.input('x', 'float32', [1]);
    expect(() => g.input('x', 'float32', [1])).toThrow(/defined twice/);
    expect(() => g.node('Relu', ['nope'])).toThrow(GraphBuildError);
    expect(() => g.initializer('w', new Float32Array(3), [2, 2])).toThrow(
      /3 values for shape \[2,2\]/,
    );
    expect(() => g.node('LeakyRelu', [x], { alpha: 0.5 })).toThrow(/not an integer/);
    expect(() => g.output('missing', 'float32', [1])).toThrow(/not defined/);
  });
});
