/**
 * ONNX graphs for incremental WaveNet decoding (Magenta's fastgen), one sample per run for a
 * whole batch:
 *
 * - the conditioning graph turns one embedding frame per stream into every layer's conditioning
 *   (run once per hop, not once per sample);
 * - the step graph takes the newest input sample, the conditioning and, for every dilated
 *   layer, that layer's inputs at t-2d and t-d (the fastgen queues, kept outside the graph by
 *   the generator) and returns the logits plus every layer's input at t (to be queued).
 */
import { GraphBuilder } from '../onnx/graph.js';
import type { WaveNetConfig } from '../wavenet-config.js';
import { dilationOf } from '../wavenet-config.js';
import { biases, kernelMatrix, kernelToConv, type WaveNetModel, weight } from './model.js';

/**
 * How a dilated layer's three taps meet its kernel:
 * - `concat`: concatenate [x(t-2d), x(t-d), x(t)] and do one `[B,3W] x [3W,2W]` matmul (the
 *   stored `[1,3,W,2W]` kernel is already that matrix);
 * - `split`: three `[B,W] x [W,2W]` matmuls summed;
 * - `conv`: stack the taps as a length-3 sequence and use ONNX Conv.
 */
export type TapFusion = 'concat' | 'split' | 'conv';

/**
 * Where the queues are read: `taps` feeds each layer's two past inputs as graph inputs (the
 * generator slices them from its ring buffers); `ring` feeds the whole ring buffer of each layer
 * plus slot indices and gathers inside the graph.
 */
export type QueueFeed = 'taps' | 'ring';

/** `int8` quantises every matmul's weights per output column and runs ORT's DynamicQuantizeMatMul. */
export type Precision = 'fp32' | 'int8';

export interface DecoderGraphOptions {
  fusion?: TapFusion;
  queues?: QueueFeed;
  precision?: Precision;
}

/** Names of the step graph's inputs and outputs, so the generator and graph agree. */
export const stepNames = {
  /** [B, 3]: network inputs at t-2, t-1, t (the start convolution's taps). */
  x: 'x',
  /** [B, 2W]: conditioning of dilated layer i (1-based), including both biases. */
  cond: (i: number) => `cond_${i}`,
  /** [B, S]: conditioning of out1, including both biases. */
  condOut: 'cond_out',
  /** [B, W]: layer i's input at t-2d and t-d (`taps` feed). */
  past2: (i: number) => `past2_${i}`,
  past1: (i: number) => `past1_${i}`,
  /** [2d+1, B, W]: layer i's ring buffer (`ring` feed); slot of time τ is τ mod (2d+1). */
  ring: (i: number) => `ring_${i}`,
  /** int64 [2]: ring slots of t-2d and t-d for dilation d (`ring` feed). */
  slots: (d: number) => `slots_${d}`,
  logits: 'logits',
  /** [B, W]: layer i's input at t, to be queued. */
  layerInput: (i: number) => `h_${i}`,
} as const;

/** Ring buffer length per layer: 2d+1 slots, so writing time t never clobbers t-2d or t-d. */
export function ringSlots(dilation: number): number {
  return 2 * dilation + 1;
}

/** Per-column symmetric int8 quantisation of a row-major [K, N] matrix. */
export function quantizeColumns(
  matrix: Float32Array,
  rows: number,
  cols: number,
): { values: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const a = Math.abs(matrix[r * cols + c]);
      if (a > scales[c]) scales[c] = a;
    }
  }
  for (let c = 0; c < cols; c++) scales[c] = scales[c] > 0 ? scales[c] / 127 : 1;
  const values = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const q = Math.round(matrix[r * cols + c] / scales[c]);
      values[r * cols + c] = Math.max(-127, Math.min(127, q));
    }
  }
  return { values, scales };
}

/** `input x matrix (+ bias)` for a row-major [K, N] matrix, in the requested precision. */
function dense(
  g: GraphBuilder,
  input: string,
  matrix: Float32Array,
  rows: number,
  cols: number,
  bias: Float32Array | null,
  precision: Precision,
  name: string,
): string {
  if (precision === 'int8') {
    const { values, scales } = quantizeColumns(matrix, rows, cols);
    const inputs = [
      input,
      g.initializer(`${name}/Wq`, values, [rows, cols]),
      g.initializer(`${name}/scale`, scales, [cols]),
      g.initializer(`${name}/zero`, new Int8Array(cols), [cols]),
    ];
    if (bias !== null) inputs.push(g.initializer(`${name}/b`, bias, [cols]));
    return g.node('DynamicQuantizeMatMul', inputs, {}, { domain: 'com.microsoft' });
  }
  const w = g.initializer(`${name}/W`, matrix, [rows, cols]);
  if (bias === null) return g.node('MatMul', [input, w]);
  return g.node('Gemm', [input, w, g.initializer(`${name}/b`, bias, [cols])]);
}

function addVectors(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}

/** Horizontal concatenation of row-major matrices with the same row count. */
function hstack(parts: readonly Float32Array[], rows: number, widths: readonly number[]) {
  const total = widths.reduce((a, b) => a + b, 0);
  const out = new Float32Array(rows * total);
  for (let r = 0; r < rows; r++) {
    let offset = r * total;
    parts.forEach((part, p) => {
      out.set(part.subarray(r * widths[p], (r + 1) * widths[p]), offset);
      offset += widths[p];
    });
  }
  return out;
}

/**
 * The conditioning graph: `embedding` [B, E] → `cond` [L, B, 2W] (layer-major, so each layer's
 * block is contiguous) and `cond_out` [B, S]. Biases of the dilated convs and of out1 are folded
 * in here, since they are added to the conditioning anyway.
 */
export function buildConditioningGraph(model: WaveNetModel): Uint8Array {
  const cfg = model.config;
  const E = cfg.bottleneckWidth;
  const W2 = 2 * cfg.width;
  const L = cfg.numLayers;
  const g = new GraphBuilder('wavenet_conditioning');
  const emb = g.input('embedding', 'float32', ['batch', E]);
  const mats: Float32Array[] = [];
  const bias = new Float32Array(L * W2);
  for (let i = 1; i <= L; i++) {
    mats.push(kernelMatrix(model, `cond_map_${i}`));
    bias.set(
      addVectors(biases(model, `cond_map_${i}`), biases(model, `dilatedconv_${i}`)),
      (i - 1) * W2,
    );
  }
  const all = dense(
    g,
    emb,
    hstack(mats, E, Array(L).fill(W2)),
    E,
    L * W2,
    bias,
    'fp32',
    'cond_map',
  );
  const shaped = g.node('Reshape', [all, g.int64([0, L, W2])]);
  g.node('Transpose', [shaped], { perm: [1, 0, 2] }, { output: 'cond' });
  g.output('cond', 'float32', [L, 'batch', W2]);
  const outBias = addVectors(biases(model, 'cond_map_out1'), biases(model, 'out1'));
  const condOut = dense(
    g,
    emb,
    kernelMatrix(model, 'cond_map_out1'),
    E,
    cfg.skipWidth,
    outBias,
    'fp32',
    'cond_map_out1',
  );
  g.node('Identity', [condOut], {}, { output: stepNames.condOut });
  g.output(stepNames.condOut, 'float32', ['batch', cfg.skipWidth]);
  return g.toBytes();
}

/** The decoder step graph (see the file comment for its inputs and outputs). */
export function buildDecoderStepGraph(
  model: WaveNetModel,
  options: DecoderGraphOptions = {},
): Uint8Array {
  const { fusion = 'concat', queues = 'taps', precision = 'fp32' } = options;
  const cfg: WaveNetConfig = model.config;
  const W = cfg.width;
  const S = cfg.skipWidth;
  const Q = cfg.quantizationChannels;
  const L = cfg.numLayers;
  const B = 'batch';
  const g = new GraphBuilder('wavenet_decoder_step');

  const x = g.input(stepNames.x, 'float32', [B, 3]);
  // Start conv: causal, k=3, 1→W; its [1,3,1,W] kernel is a [3, W] matrix over (t-2, t-1, t).
  let l = dense(
    g,
    x,
    kernelMatrix(model, 'startconv'),
    3,
    W,
    biases(model, 'startconv'),
    precision,
    'startconv',
  );
  let s = dense(
    g,
    l,
    kernelMatrix(model, 'skip_start'),
    W,
    S,
    biases(model, 'skip_start'),
    precision,
    'skip_start',
  );

  const slotInputs = new Map<number, [string, string]>();
  const splitTwo = g.int64([W, W], 'split');
  for (let i = 1; i <= L; i++) {
    const d = dilationOf(i - 1, cfg.numStages);
    g.node('Identity', [l], {}, { output: stepNames.layerInput(i) });
    g.output(stepNames.layerInput(i), 'float32', [B, W]);

    let past2: string;
    let past1: string;
    if (queues === 'taps') {
      past2 = g.input(stepNames.past2(i), 'float32', [B, W]);
      past1 = g.input(stepNames.past1(i), 'float32', [B, W]);
    } else {
      let slots = slotInputs.get(d);
      if (slots === undefined) {
        const both = g.input(stepNames.slots(d), 'int64', [2]);
        const [s2, s1] = g.nodeN('Split', [both, g.int64([1, 1])], { axis: 0 }, { outputs: 2 });
        slots = [g.node('Squeeze', [s2]), g.node('Squeeze', [s1])];
        slotInputs.set(d, slots);
      }
      const ring = g.input(stepNames.ring(i), 'float32', [ringSlots(d), B, W]);
      past2 = g.node('Gather', [ring, slots[0]], { axis: 0 });
      past1 = g.node('Gather', [ring, slots[1]], { axis: 0 });
    }

    const kernel = weight(model, `dilatedconv_${i}/W`);
    let conv: string;
    if (fusion === 'concat') {
      const cat = g.node('Concat', [past2, past1, l], { axis: 1 });
      conv = dense(g, cat, kernel.data, 3 * W, 2 * W, null, precision, `dilatedconv_${i}`);
    } else if (fusion === 'split') {
      const taps = [past2, past1, l].map((input, j) =>
        dense(
          g,
          input,
          kernel.data.subarray(j * W * 2 * W, (j + 1) * W * 2 * W),
          W,
          2 * W,
          null,
          precision,
          `dilatedconv_${i}/tap${j}`,
        ),
      );
      conv = g.node('Sum', taps);
    } else {
      const axis2 = g.int64([2]);
      const stacked = g.node(
        'Concat',
        [past2, past1, l].map((v) => g.node('Unsqueeze', [v, axis2])),
        { axis: 2 },
      );
      const w = g.initializer(`dilatedconv_${i}/Wconv`, kernelToConv(kernel), [2 * W, W, 3]);
      conv = g.node('Squeeze', [g.node('Conv', [stacked, w], { kernel_shape: [3] }), axis2]);
    }
    const cond = g.input(stepNames.cond(i), 'float32', [B, 2 * W]);
    const pre = g.node('Add', [conv, cond]);
    // Gate: sigmoid on the FIRST half, tanh on the second (Magenta's order).
    const [filterHalf, gateHalf] = g.nodeN('Split', [pre, splitTwo], { axis: 1 }, { outputs: 2 });
    const z = g.node('Mul', [g.node('Sigmoid', [filterHalf]), g.node('Tanh', [gateHalf])]);

    const skipW = kernelMatrix(model, `skip_${i}`);
    const skipB = biases(model, `skip_${i}`);
    if (i < L) {
      // res_i and skip_i read the same z: one [W, W+S] matmul, then split.
      const both = dense(
        g,
        z,
        hstack([kernelMatrix(model, `res_${i}`), skipW], W, [W, S]),
        W,
        W + S,
        Float32Array.from([...biases(model, `res_${i}`), ...skipB]),
        precision,
        `res_skip_${i}`,
      );
      const [res, skip] = g.nodeN('Split', [both, g.int64([W, S])], { axis: 1 }, { outputs: 2 });
      l = g.node('Add', [l, res]);
      s = g.node('Add', [s, skip]);
    } else {
      // The last layer's residual output is unused (res_30 exists in the checkpoint only).
      s = g.node('Add', [s, dense(g, z, skipW, W, S, skipB, precision, `skip_${i}`)]);
    }
  }
  const out1 = dense(
    g,
    g.node('Relu', [s]),
    kernelMatrix(model, 'out1'),
    S,
    S,
    null,
    precision,
    'out1',
  );
  const hidden = g.node('Relu', [
    g.node('Add', [out1, g.input(stepNames.condOut, 'float32', [B, S])]),
  ]);
  const logits = dense(
    g,
    hidden,
    kernelMatrix(model, 'logits'),
    S,
    Q,
    biases(model, 'logits'),
    precision,
    'logits',
  );
  g.node('Identity', [logits], {}, { output: stepNames.logits });
  g.output(stepNames.logits, 'float32', [B, Q]);
  return g.toBytes(precision === 'int8' ? { domains: { 'com.microsoft': 1 } } : {});
}
