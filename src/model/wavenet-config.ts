/**
 * The WaveNet autoencoder family (Magenta NSynth): one implementation, hyperparameters here.
 * `h512_bo16` is Google's trained preset; smaller presets use the same code and variable names.
 */
export interface WaveNetConfig {
  family: 'wavenet-ae';
  sampleRate: number;
  /** Encoder pooling window = stride, in samples (one embedding frame per hop). */
  hop: number;
  /** Filter length of the dilated convolutions (3 in NSynth). */
  filterLength: number;
  /** Decoder: number of dilated layers and the cycle length of dilations 2^(i mod stages). */
  numLayers: number;
  numStages: number;
  /** Decoder residual width (512 in h512_bo16); the dilated conv outputs 2x this. */
  width: number;
  /** Decoder skip width (256). */
  skipWidth: number;
  /** Encoder: number of layers, stages and width (30, 10, 128). */
  aeNumLayers: number;
  aeNumStages: number;
  aeWidth: number;
  /** Embedding size (16). */
  bottleneckWidth: number;
  /** Output classes (256, 8-bit mu-law). */
  quantizationChannels: number;
}

export const H512_BO16: WaveNetConfig = {
  family: 'wavenet-ae',
  sampleRate: 16000,
  hop: 512,
  filterLength: 3,
  numLayers: 30,
  numStages: 10,
  width: 512,
  skipWidth: 256,
  aeNumLayers: 30,
  aeNumStages: 10,
  aeWidth: 128,
  bottleneckWidth: 16,
  quantizationChannels: 256,
};

/** Kernel shape [1, k, Cin, Cout] as in Magenta's masked.conv1d; biases [Cout]. */
function conv(
  shapes: Map<string, number[]>,
  name: string,
  k: number,
  cin: number,
  cout: number,
): void {
  shapes.set(`${name}/W`, [1, k, cin, cout]);
  shapes.set(`${name}/biases`, [cout]);
}

/**
 * Every variable of the family with its shape, named as in Magenta's checkpoint
 * (without the `…/ExponentialMovingAverage` or Adam suffixes).
 */
export function wavenetVariableShapes(cfg: WaveNetConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  const k = cfg.filterLength;
  // Encoder.
  conv(shapes, 'ae_startconv', k, 1, cfg.aeWidth);
  for (let i = 1; i <= cfg.aeNumLayers; i++) {
    conv(shapes, `ae_dilatedconv_${i}`, k, cfg.aeWidth, cfg.aeWidth);
    conv(shapes, `ae_res_${i}`, 1, cfg.aeWidth, cfg.aeWidth);
  }
  conv(shapes, 'ae_bottleneck', 1, cfg.aeWidth, cfg.bottleneckWidth);
  // Decoder.
  conv(shapes, 'startconv', k, 1, cfg.width);
  conv(shapes, 'skip_start', 1, cfg.width, cfg.skipWidth);
  for (let i = 1; i <= cfg.numLayers; i++) {
    conv(shapes, `dilatedconv_${i}`, k, cfg.width, 2 * cfg.width);
    conv(shapes, `cond_map_${i}`, 1, cfg.bottleneckWidth, 2 * cfg.width);
    conv(shapes, `res_${i}`, 1, cfg.width, cfg.width);
    conv(shapes, `skip_${i}`, 1, cfg.width, cfg.skipWidth);
  }
  conv(shapes, 'out1', 1, cfg.skipWidth, cfg.skipWidth);
  conv(shapes, 'cond_map_out1', 1, cfg.bottleneckWidth, cfg.skipWidth);
  conv(shapes, 'logits', 1, cfg.skipWidth, cfg.quantizationChannels);
  return shapes;
}

/** Dilation of layer i (0-based): 2^(i mod stages). */
export function dilationOf(layer: number, stages: number): number {
  return 2 ** (layer % stages);
}

/** Samples of past context the decoder sees (its receptive field): 6,141 for h512_bo16. */
export function decoderReceptiveField(cfg: WaveNetConfig): number {
  let field = cfg.filterLength; // start conv
  for (let i = 0; i < cfg.numLayers; i++) {
    field += (cfg.filterLength - 1) * dilationOf(i, cfg.numStages);
  }
  return field;
}
