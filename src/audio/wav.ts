/**
 * WAV (RIFF WAVE) encoding and decoding: integer PCM 8/16/24/32-bit and IEEE float 32/64-bit,
 * any channel count. Files from elsewhere go through decodeAudioFile (audio-decode); this reader
 * exists so what we write can be read back exactly and cheaply.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { CorruptAudioError, UnsupportedFormatError } from './errors.js';

export type WavSampleFormat = 'pcm8' | 'pcm16' | 'pcm24' | 'pcm32' | 'float32' | 'float64';

export const WAV_SAMPLE_FORMATS: readonly WavSampleFormat[] = [
  'pcm8',
  'pcm16',
  'pcm24',
  'pcm32',
  'float32',
  'float64',
];

export interface WavOptions {
  /** Default 'pcm16'. */
  format?: WavSampleFormat;
  /**
   * Extra RIFF chunks written before the samples (e.g. provenance). Readers skip chunks they do
   * not know. Ids are 4 ASCII characters.
   */
  extraChunks?: ReadonlyArray<{ id: string; data: Uint8Array }>;
}

export interface WavAudio {
  sampleRate: number;
  channels: Float32Array[];
  format: WavSampleFormat;
}

const BITS: Record<WavSampleFormat, number> = {
  pcm8: 8,
  pcm16: 16,
  pcm24: 24,
  pcm32: 32,
  float32: 32,
  float64: 64,
};

const TAG_PCM = 1;
const TAG_FLOAT = 3;
const TAG_EXTENSIBLE = 0xfffe;

/** Speaker masks for WAVE_FORMAT_EXTENSIBLE (mono … 7.1), in the standard channel order. */
const CHANNEL_MASKS = [0, 0x4, 0x3, 0x7, 0x33, 0x37, 0x3f, 0x13f, 0x63f];

function asChannels(samples: Float32Array | readonly Float32Array[]): Float32Array[] {
  const channels = samples instanceof Float32Array ? [samples] : [...samples];
  if (channels.length === 0) throw new UsageError('WAV: no channels to write');
  const length = channels[0].length;
  if (channels.some((c) => c.length !== length)) {
    throw new UsageError('WAV: all channels must have the same length');
  }
  return channels;
}

/**
 * Encodes audio as a WAV file in memory. Integer formats clip to [−1, 1] and scale negatives by
 * 2^(bits−1) and positives by 2^(bits−1) − 1, the convention audio-decode reads back exactly.
 */
export function encodeWav(
  samples: Float32Array | readonly Float32Array[],
  sampleRate: number,
  options: WavOptions = {},
): Uint8Array {
  const channels = asChannels(samples);
  const format = options.format ?? 'pcm16';
  const bits = BITS[format];
  if (bits === undefined) {
    throw new UsageError(
      `WAV: unknown sample format "${format}" (use ${WAV_SAMPLE_FORMATS.join(', ')})`,
    );
  }
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
    throw new UsageError(`WAV: sample rate must be a positive integer, got ${sampleRate}`);
  }
  const count = channels.length;
  const frames = channels[0].length;
  const bytesPerSample = bits / 8;
  const dataBytes = frames * count * bytesPerSample;
  const isFloat = format.startsWith('float');
  // More than two channels, or more than 16 bits, call for WAVE_FORMAT_EXTENSIBLE.
  const extensible = count > 2 || (bits > 16 && !isFloat);
  const fmtBytes = extensible ? 40 : isFloat ? 18 : 16;
  const factBytes = isFloat ? 12 : 0;
  const extras = options.extraChunks ?? [];
  for (const chunk of extras) {
    if (!/^[\x20-\x7e]{4}$/.test(chunk.id)) throw new UsageError(`WAV: bad chunk id "${chunk.id}"`);
  }
  // Chunks are padded to an even length (some readers ignore the pad byte: keep it even anyway).
  const extraBytes = extras.reduce((sum, c) => sum + 8 + c.data.length + (c.data.length & 1), 0);
  const dataPad = dataBytes & 1;
  const total = 12 + 8 + fmtBytes + factBytes + extraBytes + 8 + dataBytes + dataPad;
  if (total > 0xffffffff) throw new UsageError('WAV: audio too long for a 4 GiB RIFF file');
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  const text = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) bytes[at + i] = s.charCodeAt(i);
  };
  text(0, 'RIFF');
  view.setUint32(4, total - 8, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, fmtBytes, true);
  const tag = isFloat ? TAG_FLOAT : TAG_PCM;
  view.setUint16(20, extensible ? TAG_EXTENSIBLE : tag, true);
  view.setUint16(22, count, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * count * bytesPerSample, true);
  view.setUint16(32, count * bytesPerSample, true);
  view.setUint16(34, bits, true);
  let at = 36;
  if (fmtBytes > 16) {
    view.setUint16(36, fmtBytes - 18, true);
    at = 38;
  }
  if (extensible) {
    view.setUint16(38, bits, true); // valid bits per sample
    view.setUint32(40, CHANNEL_MASKS[count] ?? 0, true);
    // SubFormat GUID: the format tag, then the fixed KSDATAFORMAT suffix.
    view.setUint16(44, tag, true);
    bytes.set(
      [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71],
      46,
    );
    at = 60;
  }
  if (isFloat) {
    text(at, 'fact');
    view.setUint32(at + 4, 4, true);
    view.setUint32(at + 8, frames, true);
    at += 12;
  }
  for (const chunk of extras) {
    text(at, chunk.id);
    view.setUint32(at + 4, chunk.data.length, true);
    bytes.set(chunk.data, at + 8);
    at += 8 + chunk.data.length + (chunk.data.length & 1);
  }
  text(at, 'data');
  view.setUint32(at + 4, dataBytes, true);
  at += 8;
  writeSamples(view, at, channels, format);
  return bytes;
}

function writeSamples(
  view: DataView,
  start: number,
  channels: Float32Array[],
  format: WavSampleFormat,
): void {
  const count = channels.length;
  const frames = channels[0].length;
  const step = BITS[format] / 8;
  const clip = (v: number) => (v > 1 ? 1 : v < -1 ? -1 : Number.isNaN(v) ? 0 : v);
  const int = (v: number, bits: number) => {
    const c = clip(v);
    return Math.round(c < 0 ? c * 2 ** (bits - 1) : c * (2 ** (bits - 1) - 1));
  };
  for (let c = 0; c < count; c++) {
    const channel = channels[c];
    let at = start + c * step;
    const stride = count * step;
    for (let i = 0; i < frames; i++, at += stride) {
      const v = channel[i];
      switch (format) {
        case 'pcm8':
          view.setUint8(at, int(v, 8) + 128);
          break;
        case 'pcm16':
          view.setInt16(at, int(v, 16), true);
          break;
        case 'pcm24': {
          const s = int(v, 24);
          view.setUint8(at, s & 0xff);
          view.setUint8(at + 1, (s >> 8) & 0xff);
          view.setUint8(at + 2, (s >> 16) & 0xff);
          break;
        }
        case 'pcm32':
          view.setInt32(at, int(v, 32), true);
          break;
        case 'float32':
          view.setFloat32(at, v, true);
          break;
        case 'float64':
          view.setFloat64(at, v, true);
          break;
      }
    }
  }
}

/** Decodes a PCM or float WAV file from memory; `name` labels errors. */
export function decodeWav(bytes: Uint8Array, name = 'WAV data'): WavAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length === 0) throw new CorruptAudioError(name, 'file is empty (0 bytes)');
  if (bytes.length < 12 || ascii(0) !== 'RIFF' || ascii(8) !== 'WAVE') {
    throw new UnsupportedFormatError(name, 'not a RIFF WAVE file');
  }
  let fmt: { tag: number; channels: number; rate: number; bits: number } | undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = ascii(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length)
        throw new CorruptAudioError(name, 'short "fmt " chunk');
      let tag = view.getUint16(body, true);
      if (tag === TAG_EXTENSIBLE && size >= 40) tag = view.getUint16(body + 24, true);
      fmt = {
        tag,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!fmt) throw new CorruptAudioError(name, '"data" chunk before "fmt " chunk');
      if (size > bytes.length - body) {
        throw new CorruptAudioError(
          name,
          `truncated: header declares ${size} bytes of samples, file holds ${bytes.length - body}`,
        );
      }
      return readSamples(name, bytes.subarray(body, body + size), fmt);
    }
    at = body + size + (size & 1);
  }
  throw new CorruptAudioError(name, fmt ? 'no "data" chunk' : 'no "fmt " chunk');
}

/**
 * The body of the first chunk called `id` in a WAV file's bytes, or undefined. Works on the
 * first few KiB of a file (the chunk walk stops where the bytes end).
 */
export function findWavChunk(bytes: Uint8Array, id: string): Uint8Array | undefined {
  if (bytes.length < 12) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (ascii(0) !== 'RIFF' || ascii(8) !== 'WAVE') return undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const size = view.getUint32(at + 4, true);
    if (ascii(at) === id) {
      return at + 8 + size <= bytes.length ? bytes.subarray(at + 8, at + 8 + size) : undefined;
    }
    at += 8 + size + (size & 1);
  }
  return undefined;
}

function readSamples(
  name: string,
  data: Uint8Array,
  fmt: { tag: number; channels: number; rate: number; bits: number },
): WavAudio {
  const { tag, channels: count, rate, bits } = fmt;
  let format: WavSampleFormat | undefined;
  if (tag === TAG_PCM && [8, 16, 24, 32].includes(bits)) format = `pcm${bits}` as WavSampleFormat;
  if (tag === TAG_FLOAT && (bits === 32 || bits === 64)) format = `float${bits}` as WavSampleFormat;
  if (!format) {
    throw new UnsupportedFormatError(
      name,
      `WAV codec 0x${tag.toString(16)} with ${bits}-bit samples`,
    );
  }
  if (count === 0) throw new CorruptAudioError(name, 'WAV header declares zero channels');
  if (rate === 0) throw new CorruptAudioError(name, 'WAV header declares a zero sample rate');
  const step = bits / 8;
  const frames = Math.floor(data.length / (step * count));
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const channels = Array.from({ length: count }, () => new Float32Array(frames));
  const intScale = (s: number, b: number) => (s < 0 ? s / 2 ** (b - 1) : s / (2 ** (b - 1) - 1));
  for (let c = 0; c < count; c++) {
    const channel = channels[c];
    const stride = count * step;
    let at = c * step;
    for (let i = 0; i < frames; i++, at += stride) {
      switch (format) {
        case 'pcm8':
          channel[i] = intScale(view.getUint8(at) - 128, 8);
          break;
        case 'pcm16':
          channel[i] = intScale(view.getInt16(at, true), 16);
          break;
        case 'pcm24':
          channel[i] = intScale(
            ((view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getUint8(at + 2) << 16)) <<
              8) >>
              8,
            24,
          );
          break;
        case 'pcm32':
          channel[i] = intScale(view.getInt32(at, true), 32);
          break;
        case 'float32':
          channel[i] = view.getFloat32(at, true);
          break;
        case 'float64':
          channel[i] = view.getFloat64(at, true);
          break;
      }
    }
  }
  return { sampleRate: rate, channels, format };
}

/** Writes a WAV file (atomically: temp file + rename). Mono takes a Float32Array. */
export async function writeWav(
  path: string,
  samples: Float32Array | readonly Float32Array[],
  sampleRate: number,
  options: WavOptions = {},
): Promise<void> {
  await writeFileAtomic(path, encodeWav(samples, sampleRate, options));
}

/** Reads a PCM or float WAV file, such as those writeWav writes. */
export async function readWav(path: string): Promise<WavAudio> {
  return decodeWav(await readFile(path), path);
}
