/**
 * A fast, exact-ratio resampler: Kaiser-windowed sinc filters applied in polyphase form, with
 * half-band decimation stages in front when that is cheaper. It is the default resampler of
 * `resample` because libsamplerate-js (wasm2js, plain JavaScript) at a quality that passes our
 * tests made resampling the bottleneck of `prep` (see docs/benchmarks.md).
 *
 * Specification (every stage, every rate pair):
 * - passband: flat (ripple ≤ δ = 10^(−A/20) = 10⁻⁵, i.e. ±0.0001 dB) from 0 to
 *   PASSBAND × the lower Nyquist frequency, min(from, to)/2. At 16 kHz output that is 0–7 kHz,
 *   where the requirement is < 0.5 dB loss (−0.15 dB at 7.2 kHz, −6 dB at 7.5 kHz).
 * - stopband: everything from the lower Nyquist up is attenuated by ≥ A = ATTENUATION_DB. With
 *   the stopband starting exactly at the output's Nyquist nothing aliases at all, not even into
 *   the 7–8 kHz transition band (the requirement is > 60 dB alias suppression); when upsampling,
 *   the images above the input's Nyquist are removed the same way.
 * - output sample j is the band-limited signal at input position j × from / to: no delay, and the
 *   signal is taken to be silent outside the input (exactly, not by truncating the filter).
 *
 * Filter design (Kaiser, "Nonrecursive digital filter design using the I0-sinh window function",
 * 1974; Oppenheim & Schafer §7.5): for a transition from fp to fs at sampling rate r, the
 * windowed ideal low-pass with cutoff fc = (fp + fs)/2 (−6 dB there) and a Kaiser window of
 * shape β = 0.1102 (A − 8.7) and order N = (A − 8) / (2.285 Δω), Δω = 2π (fs − fp) / r, has
 * ripple ≤ 10^(−A/20) in both bands (we design for A + 3 dB: the formulas are estimates). The
 * kernel in units of input samples u is
 *   h(u) = 2 (fc/r) sinc(2 (fc/r) u) · I0(β √(1 − (u/W)²)) / I0(β),  |u| < W,  W ≥ N/2,
 * which sums to 1 ± δ over any unit-spaced grid, so every phase has unity gain at DC.
 *
 * Polyphase form: for to/from = L/M in lowest terms, output j sits at input position
 * j M / L = b + p/L (b = ⌊j M / L⌋, p = j M mod L) and is Σ_k x[b − W + 1 + k] · h(p/L + W − 1 − k),
 * k = 0 … 2W − 1; the L phases (2W taps each) are computed once per rate pair.
 *
 * Half-band stages: decimating by 2 with a filter that only has to keep 0 … to/2 and reject what
 * would fold back below to/2 (from r/2 − to/2 up) has a wide transition, so it is short, and every
 * other tap of a half-band filter (fc = r/4) is zero. 44.1 kHz → 16 kHz is then 44 100 → 22 050
 * (half-band, 14 tap pairs) → 16 000 (152 taps at 22.05 kHz) instead of 296 taps at 44.1 kHz:
 * ~40 % less work. The plan takes half-band stages while its cost model says they pay.
 *
 * Plain JavaScript on purpose: with typed arrays and four independent accumulators V8 runs the
 * inner loops at ~1 multiply-add per ns, which makes 44.1 kHz → 16 kHz 250–400x real time on one
 * core, so decoding, not resampling, sets the pace of `prep`. (A WebAssembly SIMD build of the
 * Speex resampler was measured too, and was no faster at a comparable passband.)
 */

/** Fraction of the lower Nyquist frequency kept flat (7 kHz of 8 kHz at 16 kHz). */
export const PASSBAND = 0.875;
/**
 * Stopband attenuation and 20·log10 of the passband ripple bound, in dB: aliases end up below
 * the quantisation noise of 16-bit output (−98 dB for a full-scale sine).
 */
export const ATTENUATION_DB = 100;
/**
 * Kaiser's formulas are estimates (their filters miss the target by up to ~2 dB, more for short
 * ones), so the filters are designed for this much more; the tests check the real responses.
 */
const DESIGN_ATTENUATION_DB = ATTENUATION_DB + 3;
/** Rate pairs needing more filter coefficients than this (L phases × taps) are not planned. */
export const MAX_COEFFICIENTS = 1 << 21;

/** Decimation by 2 with a half-band filter. */
export interface HalfbandStage {
  kind: 'halfband';
  fromRate: number;
  toRate: number;
  /** Kaiser window half-width W in input samples (taps at odd offsets t, |t| < W, and t = 0). */
  halfWidth: number;
  beta: number;
  /** Taps at offsets ±1, ±3, ±5, …; the tap at 0 is 1/2 and the other even ones are 0. */
  oddTaps: Float32Array;
}

/** Rational resampling by L/M with a polyphase Kaiser-windowed sinc. */
export interface PolyphaseStage {
  kind: 'polyphase';
  fromRate: number;
  toRate: number;
  up: number;
  down: number;
  /** −6 dB frequency of the low-pass, in Hz. */
  cutoffHz: number;
  /** Kaiser window half-width W in input samples; each phase has 2W taps. */
  halfWidth: number;
  beta: number;
  /** `up` phases of 2W taps each, phase-major: phase p, tap k at p × 2W + k. */
  phases: Float32Array;
}

export type ResampleStage = HalfbandStage | PolyphaseStage;

export interface ResamplePlan {
  fromRate: number;
  toRate: number;
  stages: readonly ResampleStage[];
}

/** Modified Bessel function of the first kind, order 0, by its power series (converges fast). */
export function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; term > 1e-17 * sum; k++) {
    term *= q / (k * k);
    sum += term;
  }
  return sum;
}

/** Kaiser's β for a stopband attenuation of `attenuationDb` (> 50 dB). */
export function kaiserBeta(attenuationDb: number): number {
  return 0.1102 * (attenuationDb - 8.7);
}

/** Kaiser's estimate of the filter order for a transition of `deltaOmega` radians/sample. */
function kaiserOrder(attenuationDb: number, deltaOmega: number): number {
  return (attenuationDb - 8) / (2.285 * deltaOmega);
}

/** The Kaiser window at u (|u| < halfWidth), normalised to 1 at the centre. */
function kaiserWindow(u: number, halfWidth: number, beta: number, i0Beta: number): number {
  const q = u / halfWidth;
  return q * q >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - q * q)) / i0Beta;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

const roundUpTo = (x: number, multiple: number) => Math.ceil(x / multiple) * multiple;

/** Half-width of the polyphase filter for `fromRate` → `toRate`, a multiple of 4 (for unrolling). */
function polyphaseHalfWidth(fromRate: number, toRate: number): number {
  const nyquist = Math.min(fromRate, toRate) / 2;
  const deltaOmega = (2 * Math.PI * (1 - PASSBAND) * nyquist) / fromRate;
  return roundUpTo(kaiserOrder(DESIGN_ATTENUATION_DB, deltaOmega) / 2, 4);
}

/** Number of odd-offset taps on one side of the half-band filter at `rate` for output `toRate`. */
function halfbandOddTaps(rate: number, toRate: number): number {
  // Pass 0 … toRate/2, stop from rate/2 − toRate/2: symmetric about rate/4, as a half-band must be.
  const deltaOmega = (2 * Math.PI * (rate / 2 - toRate)) / rate;
  return roundUpTo(kaiserOrder(DESIGN_ATTENUATION_DB, deltaOmega) / 4, 2);
}

/** Relative cost (multiply-adds per second of audio) of the cheapest plan from `rate` down. */
function planCost(rate: number, toRate: number): { cost: number; halfbands: number } {
  const single = { cost: toRate * 2 * polyphaseHalfWidth(rate, toRate), halfbands: 0 };
  // A half-band stage needs rate/2 > toRate (its transition band is rate/2 − toRate wide).
  if (rate % 2 !== 0 || rate <= 2 * toRate) return single;
  // Each odd tap pair costs an add and a multiply-add: ~1.5 polyphase taps.
  const halfband = (rate / 2) * (1.5 * halfbandOddTaps(rate, toRate) + 1);
  const rest = planCost(rate / 2, toRate);
  return halfband + rest.cost < single.cost
    ? { cost: halfband + rest.cost, halfbands: rest.halfbands + 1 }
    : single;
}

function designHalfband(rate: number, toRate: number): HalfbandStage {
  const count = halfbandOddTaps(rate, toRate);
  // Taps at odd t up to 2·count − 1 lie strictly inside a window of half-width 2·count.
  const halfWidth = 2 * count;
  const beta = kaiserBeta(DESIGN_ATTENUATION_DB);
  const i0Beta = besselI0(beta);
  const oddTaps = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const t = 2 * i + 1;
    // h(t) = ½ sinc(t/2) = sin(πt/2) / (πt) = (−1)^i / (πt) for odd t.
    const sinc = (i % 2 === 0 ? 1 : -1) / (Math.PI * t);
    oddTaps[i] = sinc * kaiserWindow(t, halfWidth, beta, i0Beta);
  }
  return { kind: 'halfband', fromRate: rate, toRate: rate / 2, halfWidth, beta, oddTaps };
}

function designPolyphase(fromRate: number, toRate: number): PolyphaseStage | undefined {
  const divisor = gcd(fromRate, toRate);
  const up = toRate / divisor;
  const down = fromRate / divisor;
  const halfWidth = polyphaseHalfWidth(fromRate, toRate);
  const taps = 2 * halfWidth;
  if (up * taps > MAX_COEFFICIENTS) return undefined;
  const nyquist = Math.min(fromRate, toRate) / 2;
  const cutoffHz = ((1 + PASSBAND) / 2) * nyquist;
  const beta = kaiserBeta(DESIGN_ATTENUATION_DB);
  const i0Beta = besselI0(beta);
  const a = (2 * cutoffHz) / fromRate; // the cutoff in cycles per input sample, doubled
  const phases = new Float32Array(up * taps);
  for (let p = 0; p < up; p++) {
    for (let k = 0; k < taps; k++) {
      const u = p / up + halfWidth - 1 - k;
      const sinc = u === 0 ? a : Math.sin(Math.PI * a * u) / (Math.PI * u);
      phases[p * taps + k] = sinc * kaiserWindow(u, halfWidth, beta, i0Beta);
    }
  }
  return { kind: 'polyphase', fromRate, toRate, up, down, cutoffHz, halfWidth, beta, phases };
}

const planCache = new Map<string, ResamplePlan | undefined>();
const PLAN_CACHE_SIZE = 8;

/**
 * The stages that resample `fromRate` → `toRate` (positive integers, different), or undefined
 * when the ratio in lowest terms needs too many filter phases (e.g. 44 057 → 16 000); callers
 * then use another resampler. Plans are cached.
 */
export function planResample(fromRate: number, toRate: number): ResamplePlan | undefined {
  const key = `${fromRate}:${toRate}`;
  if (planCache.has(key)) return planCache.get(key);
  const stages: ResampleStage[] = [];
  let rate = fromRate;
  const { halfbands } = fromRate > toRate ? planCost(fromRate, toRate) : { halfbands: 0 };
  for (let i = 0; i < halfbands; i++) {
    stages.push(designHalfband(rate, toRate));
    rate /= 2;
  }
  const last = designPolyphase(rate, toRate);
  const plan = last === undefined ? undefined : { fromRate, toRate, stages: [...stages, last] };
  if (planCache.size >= PLAN_CACHE_SIZE) planCache.delete(planCache.keys().next().value as string);
  planCache.set(key, plan);
  return plan;
}

/** Output samples computed per block: bounds the scratch memory whatever the input length. */
const BLOCK = 8192;

/** First input index and count that outputs [first, first + count) of `stage` read. */
function inputRange(stage: ResampleStage, first: number, count: number): [number, number] {
  if (stage.kind === 'halfband') {
    const reach = 2 * stage.oddTaps.length - 1;
    return [2 * first - reach, 2 * (count - 1) + 2 * reach + 1];
  }
  const { up, down, halfWidth } = stage;
  const firstBase = Math.floor((first * down) / up);
  const lastBase = Math.floor(((first + count - 1) * down) / up);
  return [firstBase - halfWidth + 1, lastBase - firstBase + 2 * halfWidth];
}

/**
 * Resamples with a plan: exactly round(n × to / from) samples, output j at input position
 * j × from / to, the input taken as zero outside its n samples.
 */
export function resampleWithPlan(samples: Float32Array, plan: ResamplePlan): Float32Array {
  const { stages } = plan;
  const outputLength = Math.round((samples.length * plan.toRate) / plan.fromRate);
  const output = new Float32Array(outputLength);
  // Each stage reads its input from its own scratch buffer, filled by the stage before it (or
  // from `samples`, zero-padded) for just the range the block needs.
  const scratch = stages.map(() => new Float32Array(0));

  const render = (s: number, first: number, count: number, out: Float32Array, at: number) => {
    if (s < 0) {
      const from = Math.max(first, 0);
      const to = Math.min(first + count, samples.length);
      if (to <= from) {
        out.fill(0, at, at + count);
        return;
      }
      out.fill(0, at, at + from - first);
      out.set(samples.subarray(from, to), at + from - first);
      out.fill(0, at + to - first, at + count);
      return;
    }
    const stage = stages[s];
    const [inFirst, inCount] = inputRange(stage, first, count);
    if (scratch[s].length < inCount) scratch[s] = new Float32Array(inCount);
    const input = scratch[s];
    render(s - 1, inFirst, inCount, input, 0);
    if (stage.kind === 'halfband') halfbandBlock(stage.oddTaps, input, count, out, at);
    else polyphaseBlock(stage, input, first, count, out, at);
  };

  for (let first = 0; first < outputLength; first += BLOCK) {
    render(stages.length - 1, first, Math.min(BLOCK, outputLength - first), output, first);
  }
  return output;
}

/**
 * Half-band decimation of a block: out[at + m] = ½ x[c] + Σ_i g_i (x[c − t_i] + x[c + t_i]),
 * c = reach + 2m, t_i = 2i + 1. `input` holds everything the block reads.
 */
function halfbandBlock(
  taps: Float32Array,
  input: Float32Array,
  count: number,
  out: Float32Array,
  at: number,
): void {
  const pairs = taps.length; // even
  const reach = 2 * pairs - 1;
  for (let m = 0; m < count; m++) {
    const c = reach + 2 * m;
    let a0 = 0.5 * input[c];
    let a1 = 0;
    for (let i = 0; i < pairs; i += 2) {
      const t = 2 * i + 1;
      a0 += taps[i] * (input[c - t] + input[c + t]);
      a1 += taps[i + 1] * (input[c - t - 2] + input[c + t + 2]);
    }
    out[at + m] = a0 + a1;
  }
}

/** Polyphase filtering of a block of outputs [first, first + count); `input` starts where output `first` reads. */
function polyphaseBlock(
  stage: PolyphaseStage,
  input: Float32Array,
  first: number,
  count: number,
  out: Float32Array,
  at: number,
): void {
  const { up, down, halfWidth, phases } = stage;
  const taps = 2 * halfWidth; // a multiple of 8
  let phase = (first * down) % up;
  let start = 0;
  for (let j = 0; j < count; j++) {
    const offset = phase * taps;
    // Four accumulators: independent add chains instead of one long dependency.
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let k = 0; k < taps; k += 8) {
      const h = offset + k;
      const x = start + k;
      a0 += phases[h] * input[x] + phases[h + 4] * input[x + 4];
      a1 += phases[h + 1] * input[x + 1] + phases[h + 5] * input[x + 5];
      a2 += phases[h + 2] * input[x + 2] + phases[h + 6] * input[x + 6];
      a3 += phases[h + 3] * input[x + 3] + phases[h + 7] * input[x + 7];
    }
    out[at + j] = a0 + a1 + (a2 + a3);
    phase += down;
    while (phase >= up) {
      phase -= up;
      start++;
    }
  }
}
