/**
 * Access to a WaveNet autoencoder's weights by Magenta variable name, with shape checks, and the
 * few layout conversions the ONNX graphs need.
 */
import { CommonsynthError } from '../../errors.js';
import type { Tensor, WeightMap } from '../tensor.js';
import { type WaveNetConfig, wavenetVariableShapes } from '../wavenet-config.js';

/** Hyperparameters plus weights named as Magenta's variables. */
export interface WaveNetModel {
  config: WaveNetConfig;
  weights: WeightMap;
}

/**
 * What the encoder and generator accept: a loaded model package (`wavenet` + `weights`, as
 * `loadModelPackage` returns for the wavenet-ae family) or plain `{ config, weights }`.
 */
export type WaveNetSource = WaveNetModel | { wavenet: WaveNetConfig; weights: WeightMap };

/** A weight that is missing or has the wrong shape for the configuration. */
export class WaveNetWeightsError extends CommonsynthError {
  constructor(message: string) {
    super('WAVENET_WEIGHTS', message);
  }
}

export function resolveWaveNet(source: WaveNetSource): WaveNetModel {
  const config = 'wavenet' in source ? source.wavenet : source.config;
  if (config.family !== 'wavenet-ae') {
    throw new WaveNetWeightsError(`model family "${String(config.family)}" is not wavenet-ae`);
  }
  if (config.filterLength !== 3) {
    // The graphs and queues below are written for NSynth's filter length (two past taps).
    throw new WaveNetWeightsError(`filterLength ${config.filterLength} is not supported (only 3)`);
  }
  if (config.quantizationChannels !== 256) {
    // Magenta's mu-law is fixed at 8 bits (mu = 255, 256 classes).
    throw new WaveNetWeightsError(
      `quantizationChannels ${config.quantizationChannels} is not supported (only 256)`,
    );
  }
  return { config, weights: source.weights };
}

/** The tensor `name`, checked against the shape the configuration implies. */
export function weight(model: WaveNetModel, name: string): Tensor {
  const expected = wavenetVariableShapes(model.config).get(name);
  if (expected === undefined) throw new WaveNetWeightsError(`"${name}" is not a WaveNet variable`);
  const tensor = model.weights.get(name);
  if (tensor === undefined) {
    throw new WaveNetWeightsError(`weight "${name}" is missing (expected [${expected.join(',')}])`);
  }
  const ok =
    tensor.shape.length === expected.length &&
    tensor.shape.every((d, i) => d === expected[i]) &&
    tensor.data.length === expected.reduce((a, b) => a * b, 1);
  if (!ok) {
    throw new WaveNetWeightsError(
      `weight "${name}" has shape [${tensor.shape.join(',')}], expected [${expected.join(',')}]`,
    );
  }
  return tensor;
}

/**
 * A 1x1 kernel `[1,1,Cin,Cout]` as a `[Cin, Cout]` matrix, or a k-tap kernel `[1,k,Cin,Cout]` as
 * `[k*Cin, Cout]` with tap 0 first: both are the stored data unchanged (row-major).
 */
export function kernelMatrix(model: WaveNetModel, layer: string): Float32Array {
  return weight(model, `${layer}/W`).data;
}

export function biases(model: WaveNetModel, layer: string): Float32Array {
  return weight(model, `${layer}/biases`).data;
}

/**
 * Magenta's `[1, k, Cin, Cout]` kernel as ONNX Conv's `[Cout, Cin, k]`. Tap j stays tap j: for
 * SAME padding both frameworks apply tap j to input t + (j - (k-1)/2)·d.
 */
export function kernelToConv(tensor: Tensor): Float32Array {
  const [, k, cin, cout] = tensor.shape;
  const out = new Float32Array(k * cin * cout);
  const src = tensor.data;
  for (let j = 0; j < k; j++) {
    for (let ci = 0; ci < cin; ci++) {
      const row = (j * cin + ci) * cout;
      for (let co = 0; co < cout; co++) out[(co * cin + ci) * k + j] = src[row + co];
    }
  }
  return out;
}
