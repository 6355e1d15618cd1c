import { CorruptAudioError } from './errors.js';

/**
 * Decoded audio whose peak is beyond this many times full scale is damage, not sound. Lossy
 * codecs overshoot full scale a little (inter-sample peaks, Vorbis/Opus ringing: up to ~2x on
 * hot masters), and float WAV may legitimately exceed 1.0, so the bound is generous (+24 dBFS).
 */
export const MAX_PLAUSIBLE_PEAK = 16;

export interface DecodedLike {
  sampleRate: number;
  channels: Float32Array[];
}

/** Throws CorruptAudioError unless `audio` is plausible sound; returns its peak otherwise. */
export function validateDecoded(file: string, audio: DecodedLike): number {
  const { sampleRate, channels } = audio;
  if (channels.length === 0) throw new CorruptAudioError(file, 'decoded to no audio (no channels)');
  if (!Number.isFinite(sampleRate) || sampleRate <= 0) {
    throw new CorruptAudioError(file, `decoded with an invalid sample rate (${sampleRate})`);
  }
  const length = channels[0].length;
  if (length === 0) throw new CorruptAudioError(file, 'decoded to zero samples');
  let peak = 0;
  for (let c = 0; c < channels.length; c++) {
    const channel = channels[c];
    if (channel.length !== length) {
      throw new CorruptAudioError(
        file,
        `channels differ in length (${length} and ${channel.length} samples)`,
      );
    }
    for (let i = 0; i < channel.length; i++) {
      const v = channel[i];
      // NaN fails both comparisons, so test finiteness only on the rare out-of-range path.
      if (!(v <= peak && v >= -peak)) {
        if (!Number.isFinite(v)) {
          const what = Number.isNaN(v) ? 'NaN' : 'infinite';
          throw new CorruptAudioError(file, `${what} sample value at channel ${c}, sample ${i}`);
        }
        peak = Math.abs(v);
      }
    }
  }
  if (peak > MAX_PLAUSIBLE_PEAK) {
    const db = 20 * Math.log10(peak);
    throw new CorruptAudioError(
      file,
      `peak ${peak.toExponential(2)} (${db.toFixed(0)} dBFS) is far beyond full scale (garbled data)`,
    );
  }
  return peak;
}
