import libsamplerate from '@alexanderolsen/libsamplerate-js';
import { UsageError } from '../errors.js';
import { planResample, resampleWithPlan } from './polyphase.js';

/**
 * 'polyphase' (default): our Kaiser-windowed sinc (polyphase.ts), flat (±0.0001 dB) to 87.5% of
 * the lower Nyquist (7 kHz at 16 kHz), ≥ 100 dB rejection from the lower Nyquist up (nothing
 * aliases, not even into the transition band), 12–15x faster than libsamplerate 'best' and
 * 3–4x faster than 'medium' (docs/benchmarks.md); rate pairs whose ratio needs too many filter
 * phases (e.g. 44 057 → 16 000) fall back to 'medium'.
 * The others are libsamplerate's converters. 'best': 97% of the band kept, > 140 dB alias
 * rejection; 'medium': 90% (−0.3 dB at 7 kHz for 16 kHz output), about 4x faster than 'best';
 * 'fastest': 80%; 'zero-order-hold' and 'linear' do not filter at all (they alias; previews only).
 */
export type ResampleQuality =
  | 'polyphase'
  | 'best'
  | 'medium'
  | 'fastest'
  | 'zero-order-hold'
  | 'linear';

export const RESAMPLE_QUALITIES: readonly ResampleQuality[] = [
  'polyphase',
  'best',
  'medium',
  'fastest',
  'zero-order-hold',
  'linear',
];

export interface ResampleOptions {
  /** Default 'polyphase'. */
  quality?: ResampleQuality;
}

type LibsamplerateQuality = Exclude<ResampleQuality, 'polyphase'>;

const CONVERTER_TYPE: Record<LibsamplerateQuality, 0 | 1 | 2 | 3 | 4> = {
  best: 0,
  medium: 1,
  fastest: 2,
  'zero-order-hold': 3,
  linear: 4,
};

// Loading the converter module is asynchronous; doing it once at import keeps resample() synchronous.
const converter = await libsamplerate.create(1, 48000, 16000, {
  converterType: CONVERTER_TYPE.best,
});

/** The converter's transfer buffers hold this many samples; one call must fit in them. */
const BUFFER_SAMPLES = 1_008_000;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Resamples mono audio from `fromRate` to `toRate` (by default with our polyphase resampler,
 * otherwise with libsamplerate). The output has exactly round(n × toRate / fromRate) samples,
 * aligned with the input (no filter delay); the signal is taken to be silent outside it.
 */
export function resample(
  samples: Float32Array,
  fromRate: number,
  toRate: number,
  options: ResampleOptions = {},
): Float32Array {
  return resampleInChunks(
    samples,
    fromRate,
    toRate,
    options.quality ?? 'polyphase',
    BUFFER_SAMPLES,
  );
}

/**
 * The work of `resample`, with libsamplerate's per-call limit as a parameter so tests can force
 * chunking ('polyphase' works in small blocks of its own and ignores it). Long signals are cut into windows that overlap by more than the filter's reach and start on
 * the grid where input and output samples coincide, so the pieces join seamlessly.
 */
export function resampleInChunks(
  samples: Float32Array,
  fromRate: number,
  toRate: number,
  quality: ResampleQuality,
  maxCallSamples: number,
): Float32Array {
  for (const [name, rate] of [
    ['fromRate', fromRate],
    ['toRate', toRate],
  ] as const) {
    if (!Number.isInteger(rate) || rate <= 0) {
      throw new UsageError(`resample: ${name} must be a positive integer, got ${rate}`);
    }
  }
  if (!RESAMPLE_QUALITIES.includes(quality)) {
    throw new UsageError(
      `resample: unknown quality "${quality}" (use ${RESAMPLE_QUALITIES.join(', ')})`,
    );
  }
  const ratio = toRate / fromRate;
  // One limit for every quality, so that the fallback below can always take over.
  if (ratio > 256 || ratio < 1 / 256) {
    throw new UsageError(`resample: ratio ${fromRate} → ${toRate} is beyond libsamplerate's 1:256`);
  }
  if (fromRate === toRate) return samples.slice();
  if (quality === 'polyphase') {
    const plan = planResample(fromRate, toRate);
    if (plan !== undefined) return resampleWithPlan(samples, plan);
  }
  const type = CONVERTER_TYPE[quality === 'polyphase' ? 'medium' : quality];
  const outputLength = Math.round((samples.length * toRate) / fromRate);
  const output = new Float32Array(outputLength);
  if (outputLength === 0) return output;

  // Input and output samples coincide every `period` input samples.
  const divisor = gcd(fromRate, toRate);
  const period = fromRate / divisor;
  const outputPerPeriod = toRate / divisor;
  // The sinc filters reach ~150 zero crossings of the lower rate each way; keep a safe margin.
  const reach = Math.ceil(200 / Math.min(ratio, 1)) + 16;
  const margin = Math.ceil(reach / period) * period;
  const windowLimit = Math.floor(maxCallSamples / Math.max(1, ratio)) - 2;
  const core = Math.floor((windowLimit - 2 * margin) / period) * period;
  if (core <= 0) {
    throw new UsageError(
      `resample: rates ${fromRate} → ${toRate} have too long a period to resample`,
    );
  }

  if (converter.converterType !== type) converter.converterType = type;
  if (converter.inputSampleRate !== fromRate) converter.inputSampleRate = fromRate;
  if (converter.outputSampleRate !== toRate) converter.outputSampleRate = toRate;

  for (let start = 0; start * ratio < outputLength; start += core) {
    const windowStart = Math.max(0, start - margin);
    const windowEnd = Math.min(start + core, samples.length) + margin;
    // Zeros past the end let the filter produce the last output samples in full.
    const window = new Float32Array(windowEnd - windowStart);
    window.set(samples.subarray(windowStart, Math.min(windowEnd, samples.length)));
    const converted = converter.simple(window);
    const outStart = (start / period) * outputPerPeriod;
    const offset = ((start - windowStart) / period) * outputPerPeriod;
    const count = Math.min((core / period) * outputPerPeriod, outputLength - outStart);
    output.set(converted.subarray(offset, offset + count), outStart);
  }
  return output;
}
