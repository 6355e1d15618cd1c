/**
 * Embedding frames and seconds. NSynth-family models emit one embedding frame per `hop` samples
 * (512 at 16 kHz: 32 ms per frame); recipes store frames, users speak seconds.
 */
import { UsageError } from '../errors.js';

export const DEFAULT_SAMPLE_RATE = 16000;
export const DEFAULT_HOP = 512;

export interface FrameTiming {
  sampleRate: number;
  hop: number;
}

export const DEFAULT_TIMING: FrameTiming = { sampleRate: DEFAULT_SAMPLE_RATE, hop: DEFAULT_HOP };

/** Seconds per embedding frame (0.032 s at 16 kHz / 512). */
export function frameSeconds(timing: FrameTiming = DEFAULT_TIMING): number {
  return timing.hop / timing.sampleRate;
}

/** The nearest whole number of frames for a duration in seconds (never negative). */
export function secondsToFrames(seconds: number, timing: FrameTiming = DEFAULT_TIMING): number {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new UsageError(`a duration must be a finite number of seconds >= 0, got ${seconds}`);
  }
  return Math.round((seconds * timing.sampleRate) / timing.hop);
}

/**
 * The longest mashup (and recipe) accepted: one hour, the same bound as `run --length`. Checked up
 * front so a mistyped length fails clearly instead of exhausting memory in a typed array.
 */
export const MAX_MASHUP_SECONDS = 3600;

/** MAX_MASHUP_SECONDS in frames for a timing (112 500 at 16 kHz / 512). */
export function maxMashupFrames(timing: FrameTiming = DEFAULT_TIMING): number {
  return Math.floor((MAX_MASHUP_SECONDS * timing.sampleRate) / timing.hop);
}

export function framesToSeconds(frames: number, timing: FrameTiming = DEFAULT_TIMING): number {
  return (frames * timing.hop) / timing.sampleRate;
}
