/**
 * The NSynth encoder as one ONNX graph: raw audio [B, T] → embeddings [B, T/hop, E].
 *
 * Layout is ONNX's [B, C, T]; every convolution is non-causal with SAME padding (d zeros each
 * side), as Magenta's masked.conv1d(causal=False) computes through time_to_batch. T must be a
 * multiple of hop (the encoder wrapper crops or pads before calling it).
 */
import { GraphBuilder } from '../onnx/graph.js';
import { dilationOf } from '../wavenet-config.js';
import { biases, kernelToConv, type WaveNetModel, weight } from './model.js';

export const encoderNames = { audio: 'audio', embeddings: 'embeddings' } as const;

/** Samples of context on each side that one embedding frame's computation sees. */
export function encoderHalfReceptiveField(model: WaveNetModel): number {
  const cfg = model.config;
  let half = (cfg.filterLength - 1) / 2; // start conv
  for (let i = 0; i < cfg.aeNumLayers; i++) {
    half += ((cfg.filterLength - 1) / 2) * dilationOf(i, cfg.aeNumStages);
  }
  return half;
}

function conv(
  g: GraphBuilder,
  model: WaveNetModel,
  input: string,
  layer: string,
  dilation: number,
): string {
  const w = weight(model, `${layer}/W`);
  const [, k, cin, cout] = w.shape;
  const inputs = [
    input,
    g.initializer(`${layer}/W`, kernelToConv(w), [cout, cin, k]),
    g.initializer(`${layer}/biases`, biases(model, layer), [cout]),
  ];
  const pad = ((k - 1) / 2) * dilation;
  return g.node('Conv', inputs, {
    kernel_shape: [k],
    dilations: [dilation],
    pads: [pad, pad],
    strides: [1],
  });
}

export function buildEncoderGraph(model: WaveNetModel): Uint8Array {
  const cfg = model.config;
  const g = new GraphBuilder('wavenet_encoder');
  const audio = g.input(encoderNames.audio, 'float32', ['batch', 'time']);

  // Network input: mu_law(x) / 128 with mu_law = floor(128 * sign(x) * log(1+255|x|) / log(256)).
  const companded = g.node('Div', [
    g.node('Log', [
      g.node('Add', [
        g.float([1], []),
        g.node('Mul', [g.float([255], []), g.node('Abs', [audio])]),
      ]),
    ]),
    g.float([Math.log(256)], []),
  ]);
  const code = g.node('Floor', [
    g.node('Mul', [g.float([128], []), g.node('Mul', [g.node('Sign', [audio]), companded])]),
  ]);
  const scaled = g.node('Div', [code, g.float([128], [])]);
  const x = g.node('Unsqueeze', [scaled, g.int64([1])]); // [B, 1, T]

  let en = conv(g, model, x, 'ae_startconv', 1);
  for (let i = 1; i <= cfg.aeNumLayers; i++) {
    const d = dilationOf(i - 1, cfg.aeNumStages);
    const h = g.node('Relu', [conv(g, model, g.node('Relu', [en]), `ae_dilatedconv_${i}`, d)]);
    en = g.node('Add', [en, conv(g, model, h, `ae_res_${i}`, 1)]);
  }
  const bottleneck = conv(g, model, en, 'ae_bottleneck', 1); // [B, E, T]
  const pooled = g.node('AveragePool', [bottleneck], {
    kernel_shape: [cfg.hop],
    strides: [cfg.hop],
  });
  g.node('Transpose', [pooled], { perm: [0, 2, 1] }, { output: encoderNames.embeddings });
  g.output(encoderNames.embeddings, 'float32', ['batch', 'frames', cfg.bottleneckWidth]);
  return g.toBytes();
}
