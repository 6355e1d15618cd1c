import type { MonoAudio } from '../types.js';
import { decodeAudioFile } from './decode.js';
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
    samples: resample(mono, decoded.sampleRate, sampleRate, { quality: options.quality }),
  };
}
