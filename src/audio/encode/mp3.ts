/**
 * MP3 by wasm-media-encoders (LAME 3.100 in WebAssembly), constant bitrate. LAME's streaming
 * API gives bare frames, so we add what LAME's command line writes by seeking back: a first
 * "Info" frame (Xing header for CBR) with a LAME tag declaring the encoder delay and padding,
 * which decoders (ffmpeg, mpg123, our own check) use to give back exactly the input's samples.
 * An ID3v2.4 tag in front carries the credits.
 */
import { createMp3Encoder } from 'wasm-media-encoders';
import { type AudioMetadata, encodeId3v2 } from './tags.js';

/** Sample rates MP3 has (MPEG-1, MPEG-2 and MPEG-2.5 Layer III). */
export const MP3_SAMPLE_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];

const MPEG1_KBPS = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MPEG2_KBPS = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];

const ENCODER_KBPS = [8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];

/** Bitrates (kbit/s) allowed at `sampleRate` in the encoder we use. */
export function mp3Bitrates(sampleRate: number): number[] {
  const table = sampleRate >= 32000 ? MPEG1_KBPS : MPEG2_KBPS;
  // wasm-media-encoders takes a fixed list of CBR values, without 56 and 144.
  return table.slice(1).filter((k) => ENCODER_KBPS.includes(k));
}

/** LAME's encoder delay (ENCDELAY), in samples; decoders add their own 529. */
const LAME_DELAY = 576;

interface FrameHeader {
  mpeg1: boolean;
  samplesPerFrame: number;
  length: number;
  mono: boolean;
}

function parseHeader(bytes: Uint8Array, at: number): FrameHeader | undefined {
  if (at + 4 > bytes.length || bytes[at] !== 0xff || (bytes[at + 1] & 0xe0) !== 0xe0)
    return undefined;
  const version = (bytes[at + 1] >> 3) & 3;
  if (version === 1 || ((bytes[at + 1] >> 1) & 3) !== 1) return undefined;
  const bitrateIndex = bytes[at + 2] >> 4;
  const rateIndex = (bytes[at + 2] >> 2) & 3;
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const mpeg1 = version === 3;
  const rates = mpeg1
    ? [44100, 48000, 32000]
    : version === 2
      ? [22050, 24000, 16000]
      : [11025, 12000, 8000];
  const kbps = (mpeg1 ? MPEG1_KBPS : MPEG2_KBPS)[bitrateIndex];
  const padding = (bytes[at + 2] >> 1) & 1;
  return {
    mpeg1,
    samplesPerFrame: mpeg1 ? 1152 : 576,
    length: Math.floor(((mpeg1 ? 144 : 72) * kbps * 1000) / rates[rateIndex]) + padding,
    mono: bytes[at + 3] >> 6 === 3,
  };
}

/** CRC-16 as the LAME tag uses it (polynomial 0x8005, reflected, initial value 0). */
function crc16(bytes: Uint8Array, start: number, end: number, crc = 0): number {
  let value = crc;
  for (let i = start; i < end; i++) {
    value ^= bytes[i];
    for (let bit = 0; bit < 8; bit++) value = value & 1 ? (value >>> 1) ^ 0xa001 : value >>> 1;
  }
  return value & 0xffff;
}

/**
 * The Info frame for `audio` (LAME's frames): an MPEG frame with the first frame's version,
 * rate and channel mode, silent (all-zero side info), holding the Xing fields (frame count,
 * byte count, a linear seek table) and the LAME tag (delay, padding, CRCs).
 */
function infoFrame(
  audio: Uint8Array,
  frames: number,
  first: FrameHeader,
  inputSamples: number,
  kbps: number,
): Uint8Array {
  const sideInfo = first.mpeg1 ? (first.mono ? 17 : 32) : first.mono ? 9 : 17;
  const xing = 4 + sideInfo;
  const needed = xing + 120 + 36;
  // The Info frame may need a higher bitrate than the audio to hold the tag (small frames at
  // low rates); decoders read its length from its own header, so that is allowed.
  const header = audio.slice(0, 4);
  header[1] |= 0x01; // no CRC
  header[2] &= ~0x02; // no padding slot
  let length = 0;
  for (let index = header[2] >> 4; index <= 14; index++) {
    header[2] = (header[2] & 0x0f) | (index << 4);
    length = parseHeader(header, 0)?.length ?? 0;
    if (length >= needed) break;
  }
  if (length < needed)
    throw new Error(`no MP3 frame size at this rate holds a ${needed}-byte Info tag`);
  const frame = new Uint8Array(length);
  const view = new DataView(frame.buffer);
  frame.set(header, 0);
  const text = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) frame[at + i] = s.charCodeAt(i);
  };
  text(xing, 'Info'); // "Info" rather than "Xing": the stream is CBR.
  view.setUint32(xing + 4, 0x0f); // frames, bytes, TOC and quality fields present
  view.setUint32(xing + 8, frames);
  view.setUint32(xing + 12, length + audio.length);
  for (let i = 0; i < 100; i++) frame[xing + 16 + i] = Math.min(255, Math.round((i * 256) / 100));
  view.setUint32(xing + 116, 0);
  const lame = xing + 120;
  text(lame, 'LAME3.100');
  frame[lame + 9] = 0x01; // tag revision 0, VBR method 1: constant bitrate
  frame[lame + 20] = Math.min(255, kbps);
  const padding = frames * first.samplesPerFrame - LAME_DELAY - inputSamples;
  if (padding < 0 || padding > 4095)
    throw new Error(`MP3 padding ${padding} does not fit the LAME tag`);
  frame[lame + 21] = LAME_DELAY >> 4;
  frame[lame + 22] = ((LAME_DELAY & 0x0f) << 4) | (padding >> 8);
  frame[lame + 23] = padding & 0xff;
  view.setUint32(lame + 28, length + audio.length); // music length: this frame through the last
  view.setUint16(lame + 32, crc16(audio, 0, audio.length)); // music CRC
  view.setUint16(lame + 34, crc16(frame, 0, lame + 34)); // tag CRC
  return frame;
}

/**
 * Encodes planar float channels (1 or 2, at a rate from MP3_SAMPLE_RATES) as a CBR MP3 at
 * `kbps`, with an ID3v2 tag holding `metadata`. Throws plain errors; the caller names the file.
 */
export async function encodeMp3(
  channels: readonly Float32Array[],
  sampleRate: number,
  kbps: number,
  metadata: AudioMetadata,
): Promise<Uint8Array> {
  const encoder = await createMp3Encoder();
  encoder.configure({
    sampleRate,
    channels: channels.length as 1 | 2,
    bitrate: kbps as Parameters<typeof encoder.configure>[0]['bitrate'],
  });
  const parts: Uint8Array[] = [];
  const block = 1 << 16;
  const total = channels[0].length;
  // The encoder reuses its output buffer: copy each piece out before the next call.
  for (let at = 0; at < total; at += block) {
    parts.push(
      encoder.encode(channels.map((c) => c.subarray(at, Math.min(total, at + block)))).slice(),
    );
  }
  parts.push(encoder.finalize().slice());
  const audio = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    audio.set(part, offset);
    offset += part.length;
  }
  const first = parseHeader(audio, 0);
  if (!first) throw new Error('LAME wrote no MPEG frame');
  let frames = 0;
  for (let at = 0; at < audio.length; frames++) {
    const header = parseHeader(audio, at);
    if (!header) throw new Error(`LAME output has no frame header at byte ${at}`);
    at += header.length;
  }
  const tag = encodeId3v2(metadata) ?? new Uint8Array(0);
  const info = infoFrame(audio, frames, first, total, kbps);
  const out = new Uint8Array(tag.length + info.length + audio.length);
  out.set(tag, 0);
  out.set(info, tag.length);
  out.set(audio, tag.length + info.length);
  return out;
}
