import { CommonsynthError } from '../errors.js';

/**
 * The file is an audio format we recognise, but its content is damaged: empty, truncated,
 * garbled, or decoded to nonsense (zero rate, no channels, NaN, absurd peaks).
 */
export class CorruptAudioError extends CommonsynthError {
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super('CORRUPT_AUDIO', `${file}: corrupt audio: ${problem}`, { file, cause: options?.cause });
  }
}

/** The file is not audio we can decode (MIDI, video without audio, text, unknown bytes…). */
export class UnsupportedFormatError extends CommonsynthError {
  /** What the file's bytes look like, e.g. "MIDI", "text", "WebM (video only)". */
  readonly detectedType: string;

  constructor(file: string, detectedType: string, detail?: string) {
    super(
      'UNSUPPORTED_FORMAT',
      `${file}: unsupported format: ${detectedType}${detail ? ` (${detail})` : ''}`,
      { file },
    );
    this.detectedType = detectedType;
  }
}

/**
 * A decoded file's sample rate cannot be converted to the one asked for (a ratio beyond 1:256,
 * or rates whose common period is too long). The file's fault, not the caller's: a resample of
 * a file says which file, and is not a usage error.
 */
export class ResampleError extends CommonsynthError {
  constructor(file: string, fromRate: number, toRate: number, problem: string, cause?: unknown) {
    super(
      'UNSUPPORTED_RATE',
      `${file}: cannot resample its ${fromRate} Hz to ${toRate} Hz: ${problem}`,
      { file, cause },
    );
  }
}

/** A `.npy` file we cannot read: bad magic, bad header, or a dtype/order we do not handle. */
export class NpyFormatError extends CommonsynthError {
  constructor(file: string, problem: string) {
    super('NPY_FORMAT', `${file}: bad .npy file: ${problem}`, { file });
  }
}
