/**
 * Publishable audio files: WAV, FLAC, MP3 (CBR) or Ogg Opus, each carrying its credits inside
 * (RIFF LIST/INFO, Vorbis comments, ID3v2), written atomically. One facade for every command
 * that writes audio; the encoders are npm packages (no ffmpeg needed), chosen by measurement
 * (docs/benchmarks.md#output-formats).
 */
import { extname } from 'node:path';
import { CommonsynthError, UsageError } from '../../errors.js';
import { writeFileAtomic } from '../atomic.js';
import { resample } from '../resample.js';
import { encodeWav, type WavSampleFormat } from '../wav.js';
import { encodeFlac } from './flac.js';
import { encodeMp3, MP3_SAMPLE_RATES, mp3Bitrates } from './mp3.js';
import { encodeOpus, OPUS_SAMPLE_RATES } from './opus.js';
import { type AudioMetadata, encodeId3v2, encodeRiffInfo } from './tags.js';

export { type AudioMetadata, encodeId3v2, encodeRiffInfo, encodeVorbisComment } from './tags.js';
export { MP3_SAMPLE_RATES, mp3Bitrates, OPUS_SAMPLE_RATES };

export const AUDIO_FORMATS = ['wav', 'flac', 'mp3', 'opus'] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];

/**
 * Default bitrate in kbit/s. Measured on the corpus at 16 kHz mono (docs/benchmarks.md): MP3
 * at 96 kbit/s matches 128 (23.3 vs 23.4 dB SNR) below 32 kHz, where MPEG-2's smaller frames
 * apply; Opus at 64 kbit/s per channel is within 0.002 of 96 in correlation, and faster.
 */
export function defaultBitrateKbps(
  format: 'mp3' | 'opus',
  sampleRate: number,
  channels: number,
): number {
  if (format === 'mp3') return sampleRate < 32000 ? 96 : 128;
  return 64 * channels;
}

export interface EncodeAudioOptions {
  /** Default 'wav'. */
  format?: AudioFormat;
  /** Title, artist, credits… written into the file's own tags. */
  metadata?: AudioMetadata;
  /** WAV only: the sample format (default pcm16). FLAC is always 16-bit, like the pcm16 WAV. */
  wavFormat?: WavSampleFormat;
  /** MP3 (CBR) and Opus bitrate in kbit/s (default: defaultBitrateKbps). */
  bitrateKbps?: number;
  /** Names the audio in errors (writeAudioFile passes the path). */
  name?: string;
}

/** Encoding failed: the encoder refused the audio or the options. Names the file. */
export class AudioEncodeError extends CommonsynthError {
  constructor(file: string, format: AudioFormat, problem: string, cause?: unknown) {
    super('AUDIO_ENCODE', `${file}: cannot write ${format}: ${problem}`, { file, cause });
  }
}

/** The file extension for a format, with the dot: ".wav", ".flac", ".mp3", ".opus". */
export function audioExtension(format: AudioFormat): string {
  return `.${format}`;
}

/** The format a path's extension names (".ogg"/".oga" count as Opus), or undefined. */
export function audioFormatOfPath(path: string): AudioFormat | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === '.wav' || ext === '.wave') return 'wav';
  if (ext === '.flac') return 'flac';
  if (ext === '.mp3') return 'mp3';
  if (ext === '.opus' || ext === '.ogg' || ext === '.oga') return 'opus';
  return undefined;
}

/** Parses a `--format` value. */
export function parseAudioFormat(value: string, option = '--format'): AudioFormat {
  const format = value.toLowerCase();
  if ((AUDIO_FORMATS as readonly string[]).includes(format)) return format as AudioFormat;
  throw new UsageError(`${option} must be one of ${AUDIO_FORMATS.join(', ')}, got "${value}"`);
}

/** The same 16-bit quantisation as encodeWav's pcm16 (clip, then ×32768 below 0, ×32767 above). */
function toInt16Interleaved(channels: readonly Float32Array[]): Int16Array {
  const count = channels.length;
  const frames = channels[0].length;
  const out = new Int16Array(frames * count);
  for (let c = 0; c < count; c++) {
    const channel = channels[c];
    for (let i = 0; i < frames; i++) {
      const v = channel[i];
      const clipped = v > 1 ? 1 : v < -1 ? -1 : Number.isNaN(v) ? 0 : v;
      out[i * count + c] = Math.round(clipped < 0 ? clipped * 32768 : clipped * 32767);
    }
  }
  return out;
}

/** The lowest rate in `rates` at or above `rate`, else the highest: no band is lost. */
function codecRate(rate: number, rates: readonly number[]): number {
  return rates.find((r) => r >= rate) ?? rates[rates.length - 1];
}

/**
 * Encodes audio (mono as a Float32Array, or planar channels) in memory. MP3 and Opus take 1 or
 * 2 channels at their own rates: other rates are resampled (to the next rate up) first.
 */
export async function encodeAudioBytes(
  samples: Float32Array | readonly Float32Array[],
  sampleRate: number,
  options: EncodeAudioOptions = {},
): Promise<Uint8Array> {
  const format = options.format ?? 'wav';
  const name = options.name ?? 'audio';
  const metadata = options.metadata ?? {};
  const channels = samples instanceof Float32Array ? [samples] : [...samples];
  const fail = (problem: string, cause?: unknown) =>
    new AudioEncodeError(name, format, problem, cause);
  if (!(AUDIO_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(
      `${name}: unknown audio format "${format}" (use ${AUDIO_FORMATS.join(', ')})`,
    );
  }
  if (channels.length === 0) throw fail('no channels');
  if (channels.some((c) => c.length !== channels[0].length))
    throw fail('channels differ in length');
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw fail(`bad sample rate ${sampleRate}`);
  if (format === 'wav') {
    // LIST/INFO is WAV's own tag, but its text has no declared encoding (readers differ on
    // UTF-8); an "id3 " chunk (ID3v2.4, UTF-8, read by ffmpeg, music-metadata and most players)
    // carries the same fields unambiguously, the full credits included.
    const id3 = encodeId3v2(metadata);
    return encodeWav(channels, sampleRate, {
      format: options.wavFormat ?? 'pcm16',
      extraChunks: [
        { id: 'LIST', data: encodeRiffInfo(metadata) },
        ...(id3 ? [{ id: 'id3 ', data: id3 }] : []),
      ],
    });
  }
  if (channels[0].length === 0) throw fail('no samples');
  try {
    if (format === 'flac') {
      if (sampleRate > 655350) throw fail(`FLAC cannot hold ${sampleRate} Hz`);
      return await encodeFlac(toInt16Interleaved(channels), channels.length, sampleRate, metadata);
    }
    if (channels.length > 2)
      throw fail(`${channels.length} channels (MP3 and Opus here take 1 or 2)`);
    const rates = format === 'mp3' ? MP3_SAMPLE_RATES : OPUS_SAMPLE_RATES;
    const rate = codecRate(sampleRate, rates);
    const audio =
      rate === sampleRate ? channels : channels.map((c) => resample(c, sampleRate, rate));
    const kbps = options.bitrateKbps ?? defaultBitrateKbps(format, rate, channels.length);
    if (format === 'mp3') {
      const allowed = mp3Bitrates(rate);
      if (!allowed.includes(kbps)) {
        throw fail(`MP3 at ${rate} Hz takes ${allowed.join(', ')} kbit/s, not ${kbps}`);
      }
      return await encodeMp3(audio, rate, kbps, metadata);
    }
    if (!(kbps >= 6 && kbps <= 510)) throw fail(`Opus takes 6 to 510 kbit/s, not ${kbps}`);
    return encodeOpus(toInt16Interleaved(audio), audio.length, rate, kbps, metadata, sampleRate);
  } catch (error) {
    if (error instanceof CommonsynthError) throw error;
    throw fail((error as Error).message, error);
  }
}

/** Encodes and writes an audio file atomically (temporary file, then rename). */
export async function writeAudioFile(
  path: string,
  samples: Float32Array | readonly Float32Array[],
  sampleRate: number,
  options: EncodeAudioOptions = {},
): Promise<void> {
  await writeFileAtomic(
    path,
    await encodeAudioBytes(samples, sampleRate, { name: path, ...options }),
  );
}
