import { UsageError } from '../errors.js';
import type { MonoAudio } from '../types.js';
import { decodeAudioFile } from './decode.js';
import { ResampleError } from './errors.js';
import { toMono } from './mono.js';
import { type ResampleQuality, resample } from './resample.js';

export interface LoadMonoOptions {
  /** Output rate in Hz (default 16000, the NSynth rate). */
  sampleRate?: number;
  /** Resampler quality (default 'polyphase'). */
  quality?: ResampleQuality;
}

/** Decodes (and validates) any supported audio file, downmixes it to mono and resamples it. */
export async function loadMono(path: string, options: LoadMonoOptions = {}): Promise<MonoAudio> {
  const sampleRate = options.sampleRate ?? 16000;
  const decoded = await decodeAudioFile(path);
  const mono = toMono(decoded.channels);
  return {
    sampleRate,
    samples: resampleFile(path, mono, decoded.sampleRate, sampleRate, options.quality),
  };
}

/**
 * `resample` for a file's samples: a rate pair it cannot convert is the file's problem (its
 * rate is absurd for the target), so the error names the file, as a ResampleError.
 */
export function resampleFile(
  file: string,
  samples: Float32Array,
  fromRate: number,
  toRate: number,
  quality?: ResampleQuality,
): Float32Array {
  try {
    return resample(samples, fromRate, toRate, { quality });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw new ResampleError(
      file,
      fromRate,
      toRate,
      error.message.replace(/^resample: /, ''),
      error,
    );
  }
}
