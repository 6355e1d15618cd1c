/** A named float32 tensor in row-major (C) order, as stored in checkpoints and model packages. */
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** Weights by variable name (Magenta's names for the WaveNet family). */
export type WeightMap = Map<string, Tensor>;

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
