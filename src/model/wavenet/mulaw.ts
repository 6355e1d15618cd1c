/**
 * 8-bit mu-law as in Magenta's NSynth (`utils.mu_law`, `utils.inv_mu_law_numpy`). Magenta works
 * in float32; we round `1 + 255|x|` to float32 as it does (that decides which tiny values
 * become code 0 rather than -1) and do the rest in double precision, which can differ from
 * float32 only for inputs within ~1e-7 of a class edge.
 */

const MU = 255;
const LOG_1_PLUS_MU = Math.log(1 + MU);

/**
 * `floor(128 * sign(x) * log(1 + 255|x|) / log(256))`: an integer code in [-128, 128]. Note the
 * floor: tiny negative inputs give -1 while tiny positive ones give 0, and x = 1 gives 128.
 */
export function muLaw(x: number): number {
  const magnitude = Math.log(Math.fround(1 + MU * Math.abs(Math.fround(x)))) / LOG_1_PLUS_MU;
  // `+ 0` turns -0 (from tiny negative x) into 0.
  return Math.floor(128 * Math.sign(x) * magnitude) + 0;
}

/** The decoder's and encoder's input value for sample `x`: `mu_law(x) / 128`. */
export function muLawInput(x: number): number {
  return muLaw(x) / 128;
}

/** Inverse mu-law of a code in [-128, 127]: `sign(y)/255 * (256^|y| - 1)` with `y = (code + 0.5)/128`, and 0 for code 0. */
export function invMuLaw(code: number): number {
  if (code === 0) return 0;
  const y = ((code + 0.5) * 2) / (MU + 1);
  return (Math.sign(y) / MU) * ((1 + MU) ** Math.abs(y) - 1);
}

/** The audio value of output class k (0..255): `inv_mu_law(k - 128)`. */
export function classToAudio(k: number): number {
  return invMuLaw(k - 128);
}

/** Tables for the 256 output classes: audio value, and the network input it becomes next step. */
export function classTables(): { audio: Float32Array; input: Float32Array } {
  const audio = new Float32Array(256);
  const input = new Float32Array(256);
  for (let k = 0; k < 256; k++) {
    audio[k] = invMuLaw(k - 128);
    // As in fastgen, the sampled value is fed back through mu_law: the input is
    // mu_law(inv_mu_law(code)) / 128, computed from the float32 audio value.
    input[k] = muLawInput(audio[k]);
  }
  return { audio, input };
}
