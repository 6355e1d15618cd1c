/**
 * FLAC by libflacjs (libFLAC compiled by emscripten), its asm.js build: the WASM build does not
 * load in Node 20. 16-bit samples, so a FLAC decodes bit-exact to the 16-bit WAV of the same
 * audio.
 */
import { createRequire } from 'node:module';
import { type AudioMetadata, encodeVorbisComment } from './tags.js';

type Flac = ReturnType<typeof import('libflacjs')>;
type StreamInfo = NonNullable<Parameters<import('libflacjs').metadata_callback_fn>[0]>;

let flac: Promise<Flac> | undefined;

/** libFLAC, loaded once (the asm.js module takes a moment to compile) on first use. */
function loadFlac(): Promise<Flac> {
  flac ??= new Promise<Flac>((resolve) => {
    const factory = createRequire(import.meta.url)('libflacjs') as typeof import('libflacjs');
    const lib = factory('release.asmjs');
    if (lib.isReady()) resolve(lib);
    else lib.on('ready', () => resolve(lib));
  });
  return flac;
}

const BLOCK_STREAMINFO = 0;
const BLOCK_VORBIS_COMMENT = 4;
/** libFLAC's default compression level (of 0–8): near the best size at a fraction of the time. */
const COMPRESSION = 5;

/** STREAMINFO's 34 bytes (FLAC format spec), from the values libFLAC reports at the end. */
function streamInfoBlock(info: StreamInfo): Uint8Array {
  const bytes = new Uint8Array(34);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, info.min_blocksize);
  view.setUint16(2, info.max_blocksize);
  const set24 = (at: number, v: number) => {
    bytes[at] = (v >>> 16) & 0xff;
    bytes[at + 1] = (v >>> 8) & 0xff;
    bytes[at + 2] = v & 0xff;
  };
  set24(4, info.min_framesize);
  set24(7, info.max_framesize);
  // 20 bits rate, 3 bits channels−1, 5 bits bits-per-sample−1, 36 bits total samples.
  const total = info.total_samples;
  const high = Math.floor(total / 2 ** 32);
  view.setUint32(
    10,
    ((info.sampleRate << 12) |
      ((info.channels - 1) << 9) |
      ((info.bitsPerSample - 1) << 4) |
      high) >>>
      0,
  );
  view.setUint32(14, total >>> 0);
  for (let i = 0; i < 16; i++)
    bytes[18 + i] = Number.parseInt(info.md5sum.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function blockHeader(type: number, length: number, last: boolean): Uint8Array {
  return Uint8Array.of(
    (last ? 0x80 : 0) | type,
    (length >>> 16) & 0xff,
    (length >>> 8) & 0xff,
    length & 0xff,
  );
}

/**
 * Encodes interleaved 16-bit samples as a FLAC stream with our Vorbis comments. libFLAC writes
 * to a stream it cannot seek back in, so its STREAMINFO lacks the MD5 and frame sizes and its
 * VORBIS_COMMENT holds only a vendor string: both are replaced once the encoder has finished.
 * Throws with `problem` text on encoder failure; the caller names the file.
 */
export async function encodeFlac(
  interleaved: Int16Array,
  channels: number,
  sampleRate: number,
  metadata: AudioMetadata,
): Promise<Uint8Array> {
  const lib = await loadFlac();
  const frames = interleaved.length / channels;
  const encoder = lib.create_libflac_encoder(
    sampleRate,
    channels,
    16,
    COMPRESSION,
    frames,
    false,
    0,
  );
  if (!encoder) throw new Error(`libFLAC refused ${channels} channel(s) at ${sampleRate} Hz`);
  const chunks: Uint8Array[] = [];
  let info: StreamInfo | undefined;
  try {
    const status = lib.init_encoder_stream(
      encoder,
      (data) => {
        chunks.push(data.slice());
      },
      (metadata) => {
        if (metadata) info = metadata;
      },
    );
    if (status !== 0) throw new Error(`libFLAC encoder init failed (status ${status})`);
    // libFLAC takes 32-bit integers; feed it in blocks so the copy stays small.
    const block = 65536 * channels;
    const buffer = new Int32Array(block);
    for (let at = 0; at < interleaved.length; at += block) {
      const part = interleaved.subarray(at, at + block);
      buffer.set(part);
      if (
        !lib.FLAC__stream_encoder_process_interleaved(
          encoder,
          buffer.subarray(0, part.length),
          part.length / channels,
        )
      ) {
        throw new Error(
          `libFLAC encoding failed (state ${lib.FLAC__stream_encoder_get_state(encoder)})`,
        );
      }
    }
    if (!lib.FLAC__stream_encoder_finish(encoder)) {
      throw new Error(
        `libFLAC could not finish (state ${lib.FLAC__stream_encoder_get_state(encoder)})`,
      );
    }
  } finally {
    lib.FLAC__stream_encoder_delete(encoder);
  }
  if (!info) throw new Error('libFLAC reported no STREAMINFO');
  const stream = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    stream.set(chunk, offset);
    offset += chunk.length;
  }
  // Walk libFLAC's metadata blocks to find where the audio frames start; keep any block that
  // is neither STREAMINFO nor VORBIS_COMMENT (libFLAC writes none today).
  if (String.fromCharCode(...stream.subarray(0, 4)) !== 'fLaC')
    throw new Error('libFLAC wrote no "fLaC" marker');
  const kept: Array<{ type: number; body: Uint8Array }> = [];
  let vendor = 'libFLAC';
  let at = 4;
  for (;;) {
    if (at + 4 > stream.length) throw new Error('libFLAC metadata runs past the end of the stream');
    const last = (stream[at] & 0x80) !== 0;
    const type = stream[at] & 0x7f;
    const length = (stream[at + 1] << 16) | (stream[at + 2] << 8) | stream[at + 3];
    const body = stream.subarray(at + 4, at + 4 + length);
    if (type === BLOCK_VORBIS_COMMENT && length >= 4) {
      // Keep libFLAC's vendor string ("reference libFLAC 1.3.4 …"): it names the encoder.
      const size = new DataView(body.buffer, body.byteOffset).getUint32(0, true);
      if (4 + size <= length) vendor = new TextDecoder().decode(body.subarray(4, 4 + size));
    } else if (type !== BLOCK_STREAMINFO) {
      kept.push({ type, body });
    }
    at += 4 + length;
    if (last) break;
  }
  const comment = encodeVorbisComment(vendor, metadata);
  const blocks = [
    { type: BLOCK_STREAMINFO, body: streamInfoBlock(info) },
    ...kept,
    { type: BLOCK_VORBIS_COMMENT, body: comment },
  ];
  const headerBytes = 4 + blocks.reduce((s, b) => s + 4 + b.body.length, 0);
  const out = new Uint8Array(headerBytes + stream.length - at);
  out.set(stream.subarray(0, 4), 0);
  let write = 4;
  blocks.forEach((b, i) => {
    out.set(blockHeader(b.type, b.body.length, i === blocks.length - 1), write);
    out.set(b.body, write + 4);
    write += 4 + b.body.length;
  });
  out.set(stream.subarray(at), write);
  return out;
}
