/**
 * Detection and container checks for the formats audio-decode reads but the first version of
 * detect.ts refused: MP4/M4A (AAC), AIFF/AIFC, CAF and WavPack. As for the others, the decoders
 * return damaged data without complaint, so the container is read first: boxes or chunks that
 * run past the end of the file are truncation, and the sample count the container declares is
 * checked after decoding.
 */
import type { FormatInfo } from './format-info.js';

const ascii = (bytes: Uint8Array, at: number, length: number): string =>
  String.fromCharCode(...bytes.subarray(at, at + length));

const view = (bytes: Uint8Array): DataView =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

// ---------------------------------------------------------------------------------------------
// MP4 / M4A (ISO base media)

interface Box {
  type: string;
  /** Start of the box's content (after its header). */
  start: number;
  /** End of the box as declared (may be past the end of the file). */
  end: number;
}

/** The boxes in [from, to); a box whose size runs past `to` is returned as declared. */
function boxes(bytes: Uint8Array, from: number, to: number): Box[] {
  const dv = view(bytes);
  const out: Box[] = [];
  let at = from;
  while (at + 8 <= to) {
    let size = dv.getUint32(at);
    const type = ascii(bytes, at + 4, 4);
    let header = 8;
    if (size === 1) {
      if (at + 16 > to) break;
      size = Number(dv.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = to - at;
    }
    if (size < header) break;
    out.push({ type, start: at + header, end: at + size });
    at += size;
  }
  return out;
}

const child = (bytes: Uint8Array, box: Box, type: string): Box | undefined =>
  boxes(bytes, box.start, Math.min(box.end, bytes.length)).find((b) => b.type === type);

export function inspectMp4(bytes: Uint8Array): FormatInfo {
  const top = boxes(bytes, 0, bytes.length);
  const damage: string[] = [];
  for (const box of top) {
    if (box.end > bytes.length) {
      damage.push(
        `its "${box.type}" box declares ${box.end - bytes.length} bytes past the end of the file (truncated)`,
      );
    }
  }
  const moov = top.find((b) => b.type === 'moov');
  if (moov === undefined) {
    return {
      kind: 'corrupt',
      type: 'MP4/M4A',
      problem: 'no "moov" box (the file was not finished, or is truncated)',
    };
  }
  const tracks = boxes(bytes, moov.start, Math.min(moov.end, bytes.length)).filter(
    (b) => b.type === 'trak',
  );
  for (const trak of tracks) {
    const mdia = child(bytes, trak, 'mdia');
    const hdlr = mdia && child(bytes, mdia, 'hdlr');
    if (!mdia || !hdlr || ascii(bytes, hdlr.start + 8, 4) !== 'soun') continue;
    const stsd = ((): Box | undefined => {
      const minf = child(bytes, mdia, 'minf');
      const stbl = minf && child(bytes, minf, 'stbl');
      return stbl && child(bytes, stbl, 'stsd');
    })();
    const codec = stsd ? ascii(bytes, stsd.start + 12, 4) : '';
    if (codec !== 'mp4a') {
      return {
        kind: 'unsupported',
        type: `MP4/M4A (${codec.trim() || 'unknown codec'})`,
        detail: 'AAC in MP4 only',
      };
    }
    const mdhd = child(bytes, mdia, 'mdhd');
    let seconds: number | undefined;
    if (mdhd && mdhd.start + 32 <= bytes.length) {
      const dv = view(bytes);
      const v1 = bytes[mdhd.start] === 1;
      const timescale = dv.getUint32(mdhd.start + (v1 ? 20 : 12));
      const duration = v1
        ? Number(dv.getBigUint64(mdhd.start + 24))
        : dv.getUint32(mdhd.start + 16);
      if (timescale > 0 && duration > 0) seconds = duration / timescale;
    }
    return {
      kind: 'audio',
      format: 'm4a-aac',
      decoder: 'm4a',
      damage,
      expected:
        seconds === undefined
          ? undefined
          : { seconds, trimToDeclared: false, source: 'MP4 track duration (mdhd)' },
    };
  }
  return {
    kind: 'unsupported',
    type: tracks.length > 0 ? 'MP4 video without audio' : 'MP4/M4A without tracks',
  };
}

// ---------------------------------------------------------------------------------------------
// AIFF / AIFC

/** An 80-bit IEEE 754 extended float (AIFF's sample rate). */
function extended(bytes: Uint8Array, at: number): number {
  const dv = view(bytes);
  const exponent = dv.getUint16(at) & 0x7fff;
  const sign = bytes[at] & 0x80 ? -1 : 1;
  const hi = dv.getUint32(at + 2);
  const lo = dv.getUint32(at + 6);
  if (exponent === 0 && hi === 0 && lo === 0) return 0;
  return sign * (hi * 2 ** (exponent - 16383 - 31) + lo * 2 ** (exponent - 16383 - 63));
}

export function inspectAiff(bytes: Uint8Array): FormatInfo {
  const dv = view(bytes);
  const aifc = ascii(bytes, 8, 4) === 'AIFC';
  const damage: string[] = [];
  let comm:
    | { channels: number; frames: number; bits: number; rate: number; kind: string }
    | undefined;
  let ssnd: { dataBytes: number } | undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = ascii(bytes, at, 4);
    const size = dv.getUint32(at + 4);
    const start = at + 8;
    if (start + size > bytes.length) {
      damage.push(
        `its ${id.trim()} chunk declares ${size} bytes, the file holds ${bytes.length - start} (truncated)`,
      );
    }
    if (id === 'COMM' && start + 18 <= bytes.length) {
      comm = {
        channels: dv.getUint16(start),
        frames: dv.getUint32(start + 2),
        bits: dv.getUint16(start + 6),
        rate: extended(bytes, start + 8),
        kind: aifc && start + 22 <= bytes.length ? ascii(bytes, start + 18, 4) : 'NONE',
      };
    } else if (id === 'SSND' && start + 8 <= bytes.length) {
      const offset = dv.getUint32(start);
      ssnd = { dataBytes: Math.max(0, Math.min(size, bytes.length - start) - 8 - offset) };
    }
    at = start + size + (size % 2);
  }
  if (comm === undefined) {
    return { kind: 'corrupt', type: 'AIFF', problem: 'no COMM (format) chunk' };
  }
  if (comm.kind !== 'NONE' && comm.kind !== 'sowt') {
    return {
      kind: 'unsupported',
      type: `AIFC (${comm.kind.trim()} compression)`,
      detail: 'uncompressed AIFF/AIFC only',
    };
  }
  if (comm.channels === 0 || comm.rate <= 0 || comm.bits === 0) {
    return {
      kind: 'corrupt',
      type: 'AIFF',
      problem: 'COMM chunk declares no channels, rate or sample size',
    };
  }
  if (comm.frames > 0 && ssnd === undefined) {
    return { kind: 'corrupt', type: 'AIFF', problem: 'no SSND (sound data) chunk' };
  }
  const needed = comm.frames * comm.channels * Math.ceil(comm.bits / 8);
  if (ssnd !== undefined && ssnd.dataBytes < needed && damage.length === 0) {
    damage.push(
      `its sound data holds ${ssnd.dataBytes} of the ${needed} bytes COMM declares (truncated)`,
    );
  }
  return {
    kind: 'audio',
    format: 'aiff',
    decoder: 'aiff',
    damage,
    // Uncompressed: the decoded count must be exact.
    expected: {
      frames: comm.frames,
      trimToDeclared: false,
      toleranceFrames: 0,
      source: 'COMM chunk',
    },
  };
}

// ---------------------------------------------------------------------------------------------
// CAF (Apple Core Audio Format)

export function inspectCaf(bytes: Uint8Array): FormatInfo {
  const dv = view(bytes);
  const damage: string[] = [];
  let desc: { format: string; bytesPerPacket: number; channels: number; rate: number } | undefined;
  let dataBytes: number | undefined;
  let at = 8;
  while (at + 12 <= bytes.length) {
    const id = ascii(bytes, at, 4);
    const declared = Number(dv.getBigInt64(at + 4));
    const start = at + 12;
    // -1: the data chunk runs to the end of the file (a stream still being written).
    const size = declared === -1 ? bytes.length - start : declared;
    if (size < 0) break;
    if (start + size > bytes.length) {
      damage.push(
        `its ${id} chunk declares ${size} bytes, the file holds ${bytes.length - start} (truncated)`,
      );
    }
    if (id === 'desc' && start + 32 <= bytes.length) {
      desc = {
        rate: dv.getFloat64(start),
        format: ascii(bytes, start + 8, 4),
        bytesPerPacket: dv.getUint32(start + 16),
        channels: dv.getUint32(start + 24),
      };
    } else if (id === 'data') {
      // The first 4 bytes are an edit count.
      dataBytes = Math.max(0, Math.min(size, bytes.length - start) - 4);
      if (declared !== -1) dataBytes = Math.max(0, size - 4);
    }
    at = start + size;
  }
  if (desc === undefined)
    return { kind: 'corrupt', type: 'CAF', problem: 'no desc (format) chunk' };
  if (desc.format !== 'lpcm') {
    return { kind: 'unsupported', type: `CAF (${desc.format.trim()})`, detail: 'PCM in CAF only' };
  }
  if (desc.channels === 0 || !(desc.rate > 0) || desc.bytesPerPacket === 0) {
    return {
      kind: 'corrupt',
      type: 'CAF',
      problem: 'desc chunk declares no channels, rate or packet size',
    };
  }
  if (dataBytes === undefined) return { kind: 'corrupt', type: 'CAF', problem: 'no data chunk' };
  return {
    kind: 'audio',
    format: 'caf',
    decoder: 'caf',
    damage,
    expected: {
      frames: Math.floor(dataBytes / desc.bytesPerPacket),
      trimToDeclared: false,
      toleranceFrames: 0,
      source: 'data chunk',
    },
  };
}

// ---------------------------------------------------------------------------------------------
// WavPack

export function inspectWavPack(bytes: Uint8Array): FormatInfo {
  const dv = view(bytes);
  const damage: string[] = [];
  if (bytes.length < 32)
    return { kind: 'corrupt', type: 'WavPack', problem: 'first block header is cut off' };
  const total = dv.getUint32(12, true);
  let at = 0;
  while (at < bytes.length) {
    // Tags may follow the last block (APEv2, as ffmpeg and wavpack write, or ID3v1).
    if (ascii(bytes, at, 8) === 'APETAGEX' || ascii(bytes, at, 3) === 'TAG') break;
    if (at + 32 > bytes.length || ascii(bytes, at, 4) !== 'wvpk') {
      damage.push(
        at + 32 > bytes.length
          ? 'the file ends inside a block header (truncated)'
          : `no WavPack block where one should start (byte ${at}: garbled)`,
      );
      break;
    }
    const next = at + 8 + dv.getUint32(at + 4, true);
    if (next > bytes.length) {
      damage.push(`its last block is ${next - bytes.length} bytes short (truncated)`);
      break;
    }
    at = next;
  }
  return {
    kind: 'audio',
    format: 'wavpack',
    decoder: 'wv',
    damage,
    // 0xFFFFFFFF: length unknown (written as a stream).
    expected:
      total === 0xffffffff
        ? undefined
        : { frames: total, trimToDeclared: false, toleranceFrames: 0, source: 'WavPack header' },
  };
}
