/**
 * Ogg Opus: libopus 1.4 by opusscript (emscripten WebAssembly, no native build, no download),
 * and our own Ogg muxer (RFC 7845): an OpusHead page, OpusTags pages with the credits as Vorbis
 * comments, then audio pages whose granule positions (48 kHz) let a decoder drop the encoder's
 * lookahead (pre-skip) and the last frame's padding, giving back exactly the input's length.
 */
import { createRequire } from 'node:module';
import { oggCrc } from '../ogg.js';
import { type AudioMetadata, encodeVorbisComment } from './tags.js';

type OpusScriptClass = typeof import('opusscript');

/** Rates libopus takes directly; others are resampled to 48 kHz first (by the caller). */
export const OPUS_SAMPLE_RATES = [8000, 12000, 16000, 24000, 48000];

/**
 * libopus's lookahead in 48 kHz samples: 2.5 ms of CELT overlap plus 4 ms of delay compensation
 * (application AUDIO), the same at every input rate. It is the pre-skip opusenc and ffmpeg write.
 */
const PRE_SKIP = 312;
/** 20 ms frames: libopus's default and best-tuned frame size. */
const FRAME_MS = 20;
/** A fixed stream serial: the same audio gives the same bytes (runs are bit-reproducible). */
const SERIAL = 0x63736e74;
const OPUS_SET_BITRATE = 4002;
/** Audio pages hold about one second of packets. */
const PACKETS_PER_PAGE = 50;

class OggWriter {
  private readonly pages: Uint8Array[] = [];
  private sequence = 0;

  /**
   * Writes `packets` as pages. Each packet is split into 255-byte lacing segments; a page holds
   * at most 255 segments, and a packet that does not fit continues on the next page. `granule`
   * is the position after the last packet that ends on each page; a page on which no packet
   * ends gets −1, as the spec requires.
   */
  write(
    packets: readonly Uint8Array[],
    granules: readonly number[],
    options: { first?: boolean; last?: boolean } = {},
  ): void {
    let segments: number[] = [];
    let body: Uint8Array[] = [];
    let granule = -1;
    let continued = false;
    let first = options.first ?? false;
    const flush = (eos: boolean) => {
      this.page(segments, body, granule, { bos: first, eos, continued });
      first = false;
      segments = [];
      body = [];
      granule = -1;
    };
    packets.forEach((packet, p) => {
      let at = 0;
      for (;;) {
        const size = Math.min(255, packet.length - at);
        segments.push(size);
        body.push(packet.subarray(at, at + size));
        at += size;
        const ended = size < 255;
        if (ended) granule = granules[p];
        if (segments.length === 255) {
          flush(options.last === true && ended && p === packets.length - 1);
          // The next page starts inside this packet when the packet has not ended.
          continued = !ended;
        }
        if (ended) break;
      }
    });
    if (segments.length > 0) flush(options.last ?? false);
  }

  private page(
    segments: number[],
    body: Uint8Array[],
    granule: number,
    flags: { bos: boolean; eos: boolean; continued: boolean },
  ): void {
    const bodyLength = body.reduce((s, b) => s + b.length, 0);
    const page = new Uint8Array(27 + segments.length + bodyLength);
    const view = new DataView(page.buffer);
    page.set([0x4f, 0x67, 0x67, 0x53], 0); // "OggS"
    page[4] = 0;
    page[5] = (flags.continued ? 1 : 0) | (flags.bos ? 2 : 0) | (flags.eos ? 4 : 0);
    view.setBigInt64(6, BigInt(granule), true);
    view.setUint32(14, SERIAL, true);
    view.setUint32(18, this.sequence++, true);
    page[26] = segments.length;
    page.set(segments, 27);
    let at = 27 + segments.length;
    for (const part of body) {
      page.set(part, at);
      at += part.length;
    }
    view.setUint32(22, oggCrc(page, 0, page.length, 22), true);
    this.pages.push(page);
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.pages.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const page of this.pages) {
      out.set(page, at);
      at += page.length;
    }
    return out;
  }
}

function opusHead(channels: number, inputRate: number): Uint8Array {
  const head = new Uint8Array(19);
  const view = new DataView(head.buffer);
  head.set(new TextEncoder().encode('OpusHead'), 0);
  head[8] = 1; // version
  head[9] = channels;
  view.setUint16(10, PRE_SKIP, true);
  view.setUint32(12, inputRate, true); // informational: the rate the audio had
  view.setInt16(16, 0, true); // output gain
  head[18] = 0; // mapping family 0: mono or stereo, one stream
  return head;
}

/**
 * Encodes interleaved 16-bit samples (1 or 2 channels, at a rate from OPUS_SAMPLE_RATES) as
 * Ogg Opus at `kbps`, with `metadata` in OpusTags. `inputRate` is recorded in OpusHead.
 * Throws plain errors; the caller names the file.
 */
export function encodeOpus(
  interleaved: Int16Array,
  channels: number,
  sampleRate: number,
  kbps: number,
  metadata: AudioMetadata,
  inputRate = sampleRate,
): Uint8Array {
  const OpusScript = createRequire(import.meta.url)('opusscript') as OpusScriptClass;
  const encoder = new OpusScript(sampleRate as 48000, channels, OpusScript.Application.AUDIO);
  const frame = (sampleRate * FRAME_MS) / 1000;
  const scale = 48000 / sampleRate;
  const frames = interleaved.length / channels;
  const packets: Uint8Array[] = [];
  const granules: number[] = [];
  try {
    encoder.encoderCTL(OPUS_SET_BITRATE, Math.round(kbps * 1000));
    const buffer = new Int16Array(frame * channels);
    // Granule positions count decoded samples, the encoder's lookahead (pre-skip) included,
    // so the input's last sample comes out PRE_SKIP samples after it went in: keep feeding
    // silence until it has, then let the final granule position cut the stream there.
    const end = PRE_SKIP + frames * scale;
    for (let at = 0; at * scale < end; at += frame) {
      buffer.fill(0);
      if (at < frames) {
        buffer.set(interleaved.subarray(at * channels, Math.min(frames, at + frame) * channels));
      }
      // opusscript takes the bytes of 16-bit little-endian samples.
      const bytes = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      packets.push(new Uint8Array(encoder.encode(bytes, frame)));
      granules.push(Math.min(end, (at + frame) * scale));
    }
  } finally {
    encoder.delete();
  }
  const ogg = new OggWriter();
  ogg.write([opusHead(channels, inputRate)], [0], { first: true });
  const tags = encodeVorbisComment(
    'libopus 1.4 (opusscript)',
    metadata,
    new TextEncoder().encode('OpusTags'),
  );
  ogg.write([tags], [0]);
  for (let p = 0; p < packets.length; p += PACKETS_PER_PAGE) {
    ogg.write(packets.slice(p, p + PACKETS_PER_PAGE), granules.slice(p, p + PACKETS_PER_PAGE), {
      last: p + PACKETS_PER_PAGE >= packets.length,
    });
  }
  return ogg.bytes();
}
