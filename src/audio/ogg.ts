/**
 * A minimal Ogg page walker (RFC 3533), used to identify the codecs in an Ogg file and to check its
 * integrity before decoding: the decoders happily skip damaged pages and return partial audio.
 */

/** One logical stream of an Ogg file. */
export interface OggStream {
  serial: number;
  /** The first bytes of the stream's first packet, which name its codec. */
  firstPacket: Uint8Array;
  /** Granule position of the stream's last page with one (-1 if none). */
  lastGranule: number;
  /** Whether the stream's last page carries the end-of-stream flag. */
  ended: boolean;
  pages: number;
}

export interface OggScan {
  streams: OggStream[];
  /** Pages whose CRC does not match their content (byte offsets). */
  badCrcOffsets: number[];
  /** The file ends inside a page (truncated mid-page). */
  endsMidPage: boolean;
  /** Bytes between pages that are not a page (garbage or damage), in total. */
  strayBytes: number;
}

/**
 * Ogg's CRC-32: polynomial 0x04C11DB7, MSB first, initial value 0, no final XOR. Common CRC
 * packages only ship the reflected (zlib) variant, so the 256-entry table is built here.
 */
const OGG_CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let bit = 0; bit < 8; bit++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

export function oggCrc(bytes: Uint8Array, start: number, end: number, crcFieldAt: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    // The page's own CRC field counts as zeros.
    const byte = i >= crcFieldAt && i < crcFieldAt + 4 ? 0 : bytes[i];
    crc = ((crc << 8) ^ OGG_CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]) >>> 0;
  }
  return crc;
}

const HEADER_BYTES = 27;

function isCapture(bytes: Uint8Array, at: number): boolean {
  return (
    bytes[at] === 0x4f && bytes[at + 1] === 0x67 && bytes[at + 2] === 0x67 && bytes[at + 3] === 0x53
  );
}

/** Walks every page of an Ogg file. `bytes` must start with "OggS". */
export function scanOgg(bytes: Uint8Array): OggScan {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const streams = new Map<number, OggStream>();
  const badCrcOffsets: number[] = [];
  let strayBytes = 0;
  let endsMidPage = false;
  let at = 0;
  while (at < bytes.length) {
    if (!isCapture(bytes, at)) {
      // Resynchronise on the next capture pattern, counting what we skip.
      let next = at + 1;
      while (next < bytes.length && !isCapture(bytes, next)) next++;
      strayBytes += next - at;
      at = next;
      continue;
    }
    if (at + HEADER_BYTES > bytes.length) {
      endsMidPage = true;
      break;
    }
    const headerType = bytes[at + 5];
    const granule = Number(view.getBigInt64(at + 6, true));
    const serial = view.getUint32(at + 14, true);
    const storedCrc = view.getUint32(at + 22, true);
    const segmentCount = bytes[at + 26];
    const tableEnd = at + HEADER_BYTES + segmentCount;
    if (tableEnd > bytes.length) {
      endsMidPage = true;
      break;
    }
    let bodyBytes = 0;
    for (let i = 0; i < segmentCount; i++) bodyBytes += bytes[at + HEADER_BYTES + i];
    const pageEnd = tableEnd + bodyBytes;
    if (pageEnd > bytes.length) {
      endsMidPage = true;
      break;
    }
    if (oggCrc(bytes, at, pageEnd, at + 22) !== storedCrc) {
      badCrcOffsets.push(at);
      // A damaged page's lengths cannot be trusted: look for the next capture pattern instead.
      strayBytes += 4;
      at += 4;
      continue;
    }
    let stream = streams.get(serial);
    if (!stream) {
      // A stream's first page (begin-of-stream) starts with its identification packet.
      stream = {
        serial,
        firstPacket: bytes.subarray(tableEnd, Math.min(pageEnd, tableEnd + 64)),
        lastGranule: -1,
        ended: false,
        pages: 0,
      };
      streams.set(serial, stream);
    }
    stream.pages++;
    // -1 marks "no packet ends on this page".
    if (granule !== -1) stream.lastGranule = granule;
    stream.ended = (headerType & 0x04) !== 0;
    at = pageEnd;
  }
  return { streams: [...streams.values()], badCrcOffsets, endsMidPage, strayBytes };
}

/** The codec an Ogg stream's identification packet names. */
export type OggCodec = 'vorbis' | 'opus' | 'flac' | 'speex' | 'theora' | 'skeleton' | 'unknown';

function startsWith(packet: Uint8Array, signature: number[]): boolean {
  return signature.every((byte, i) => packet[i] === byte);
}

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

export function oggCodec(firstPacket: Uint8Array): OggCodec {
  if (startsWith(firstPacket, [0x01, ...ascii('vorbis')])) return 'vorbis';
  if (startsWith(firstPacket, ascii('OpusHead'))) return 'opus';
  if (startsWith(firstPacket, [0x7f, ...ascii('FLAC')])) return 'flac';
  if (startsWith(firstPacket, ascii('Speex   '))) return 'speex';
  if (startsWith(firstPacket, [0x80, ...ascii('theora')])) return 'theora';
  if (startsWith(firstPacket, ascii('fishead'))) return 'skeleton';
  return 'unknown';
}

/** Opus pre-skip (samples at 48 kHz the decoder drops at the start), from the OpusHead packet. */
export function opusPreSkip(firstPacket: Uint8Array): number {
  return firstPacket.length >= 12 ? firstPacket[10] | (firstPacket[11] << 8) : 0;
}
