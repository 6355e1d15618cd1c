import decode from 'audio-decode';
import { readFileNamed } from './atomic.js';
import { type DecoderName, detectFormat, type ExpectedLength } from './detect.js';
import { CorruptAudioError, UnsupportedFormatError } from './errors.js';
import { validateDecoded } from './validate.js';

/** Audio as decoded from a file: one Float32Array per channel, nominally in [-1, 1]. */
export interface DecodedAudio {
  sampleRate: number;
  channels: Float32Array[];
  /** Detected container/codec, e.g. "wav", "flac", "ogg-vorbis", "ogg-opus", "mp3", "webm-opus". */
  format: string;
}

/**
 * Decodes an audio file (WAV, FLAC, Ogg Vorbis/Opus/FLAC, MP3, WebM Opus/Vorbis), detecting the
 * format from its bytes. Every result is validated.
 * @throws CorruptAudioError for damaged, truncated or empty files
 * @throws UnsupportedFormatError for MIDI, video without audio, text and unknown data
 */
export async function decodeAudioFile(path: string): Promise<DecodedAudio> {
  return decodeAudioBytes(await readFileNamed(path), path);
}

/** Like decodeAudioFile, for bytes already in memory; `name` labels errors. */
export async function decodeAudioBytes(bytes: Uint8Array, name: string): Promise<DecodedAudio> {
  const info = detectFormat(bytes);
  if (info.kind === 'empty') throw new CorruptAudioError(name, 'file is empty (0 bytes)');
  if (info.kind === 'unsupported') throw new UnsupportedFormatError(name, info.type, info.detail);
  if (info.kind === 'corrupt') throw new CorruptAudioError(name, `${info.type}: ${info.problem}`);
  if (info.damage.length > 0) {
    throw new CorruptAudioError(name, `${info.format}: ${info.damage.join('; ')}`);
  }
  let decoded: { channels: Float32Array[]; sampleRate: number };
  try {
    decoded = await runDecoder(info.decoder, bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CorruptAudioError(name, `${info.format} decoder failed: ${reason}`, { cause: error });
  }
  validateDecoded(name, decoded);
  const channels = info.expected
    ? checkLength(name, info.format, decoded, info.expected)
    : decoded.channels;
  return { sampleRate: decoded.sampleRate, channels, format: info.format };
}

async function runDecoder(
  name: DecoderName,
  bytes: Uint8Array,
): Promise<{ channels: Float32Array[]; sampleRate: number }> {
  // Hand the decoders a plain Uint8Array that owns its whole buffer: some read `bytes.buffer`
  // from offset 0, and decode-wav aligns float data with `.slice()`, which on a Node Buffer
  // returns an unaligned view instead of a copy.
  const own =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? new Uint8Array(bytes.buffer)
      : new Uint8Array(bytes);
  // audio-decode registers WavPack as "wv" but its typings omit it.
  const decoders = decode as typeof decode & { wv: typeof decode.wav };
  const decoder = await decoders[name]();
  let body: { channelData: Float32Array[]; sampleRate: number };
  let tail: { channelData: Float32Array[]; sampleRate: number };
  try {
    body = await decoder(own);
    tail = await decoder();
  } finally {
    decoder.free();
  }
  const sampleRate = body.sampleRate || tail.sampleRate;
  if (tail.channelData.length === 0) return { channels: body.channelData, sampleRate };
  if (body.channelData.length === 0) return { channels: tail.channelData, sampleRate };
  const count = Math.max(body.channelData.length, tail.channelData.length);
  const channels = Array.from({ length: count }, (_, c) => {
    const a = body.channelData[c % body.channelData.length];
    const b = tail.channelData[c % tail.channelData.length];
    const joined = new Float32Array(a.length + b.length);
    joined.set(a);
    joined.set(b, a.length);
    return joined;
  });
  return { channels, sampleRate };
}

/**
 * Compares the decoded length with the one the container declares: much shorter means the
 * decoder skipped damaged data; a few frames longer (Opus end padding) are cut off.
 */
function checkLength(
  name: string,
  format: string,
  decoded: { channels: Float32Array[]; sampleRate: number },
  expected: ExpectedLength,
): Float32Array[] {
  const rate = decoded.sampleRate;
  const frames = decoded.channels[0].length;
  const declared = expected.frames ?? Math.round((expected.seconds ?? 0) * rate);
  if (declared <= 0) return decoded.channels;
  // FLAC declares exact counts; Ogg granules and Matroska durations are only close.
  const tolerance = expected.toleranceFrames ?? Math.max(0.1 * rate, 0.01 * declared);
  if (frames < declared - tolerance) {
    const got = (frames / rate).toFixed(3);
    const want = (declared / rate).toFixed(3);
    throw new CorruptAudioError(
      name,
      `${format}: decoded ${got} s of the ${want} s its ${expected.source} declares (truncated or damaged)`,
    );
  }
  if (expected.trimToDeclared && frames > declared && frames - declared <= 0.1 * rate) {
    return decoded.channels.map((channel) => channel.slice(0, declared));
  }
  return decoded.channels;
}
