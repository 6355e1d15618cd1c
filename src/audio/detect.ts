/**
 * Format detection from a file's bytes (never its name), plus the container-level integrity
 * checks that the decoders skip: truncation, bad Ogg page CRCs, missing audio tracks.
 */
import { inspectAiff, inspectCaf, inspectMp4, inspectWavPack } from './containers.js';
import type { DecoderName, ExpectedLength, FormatInfo } from './format-info.js';
import { isEbml, readMatroskaInfo } from './matroska.js';
import { oggCodec, opusPreSkip, scanOgg } from './ogg.js';

export type { DecoderName, ExpectedLength, FormatInfo } from './format-info.js';

const ascii = (bytes: Uint8Array, at: number, length: number): string =>
  String.fromCharCode(...bytes.subarray(at, at + length));

/** Bytes taken by an ID3v2 tag at `at` (0 when there is none). */
function id3v2Length(bytes: Uint8Array, at = 0): number {
  if (bytes.length < at + 10 || ascii(bytes, at, 3) !== 'ID3') return 0;
  const size =
    ((bytes[at + 6] & 0x7f) << 21) |
    ((bytes[at + 7] & 0x7f) << 14) |
    ((bytes[at + 8] & 0x7f) << 7) |
    (bytes[at + 9] & 0x7f);
  const footer = bytes[at + 5] & 0x10 ? 10 : 0;
  return 10 + size + footer;
}

export function detectFormat(bytes: Uint8Array): FormatInfo {
  if (bytes.length === 0) return { kind: 'empty' };
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF') {
    const form = ascii(bytes, 8, 4);
    if (form === 'WAVE') return inspectWav(bytes);
    if (form === 'AVI ') return { kind: 'unsupported', type: 'AVI video' };
    if (form === 'RMID') return { kind: 'unsupported', type: 'MIDI', detail: 'a score, not audio' };
    return { kind: 'unsupported', type: `RIFF ${form.trim()}` };
  }
  if (ascii(bytes, 0, 4) === 'RIFX' || ascii(bytes, 0, 4) === 'RF64') {
    return { kind: 'unsupported', type: `WAV (${ascii(bytes, 0, 4)})`, detail: 'only RIFF WAV' };
  }
  if (ascii(bytes, 0, 4) === 'OggS') return inspectOgg(bytes);
  if (bytes.length >= 8 && ascii(bytes, 4, 4) === 'ftyp') return inspectMp4(bytes);
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'FORM') {
    const form = ascii(bytes, 8, 4);
    if (form === 'AIFF' || form === 'AIFC') return inspectAiff(bytes);
  }
  if (ascii(bytes, 0, 4) === 'caff') return inspectCaf(bytes);
  if (ascii(bytes, 0, 4) === 'wvpk') return inspectWavPack(bytes);
  // Raw ADTS AAC: audio-decode misreads its rate (16 kHz AAC comes out as 32 kHz, at the wrong
  // length), so it is refused, with the lossless way into a container that decodes right.
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1] & 0xf6) === 0xf0) {
    return {
      kind: 'unsupported',
      type: 'AAC (raw ADTS)',
      detail:
        'its sample rate decodes wrong; put it in M4A first: ffmpeg -i in.aac -c copy out.m4a',
    };
  }
  if (isEbml(bytes)) return inspectMatroska(bytes);
  if (ascii(bytes, 0, 4) === 'MThd') {
    return { kind: 'unsupported', type: 'MIDI', detail: 'a score, not audio' };
  }
  // FLAC and MP3 may start with an ID3v2 tag.
  const tag = id3v2Length(bytes);
  if (tag > 0 && tag >= bytes.length) {
    return { kind: 'corrupt', type: 'MP3', problem: 'file ends inside its ID3 tag (truncated)' };
  }
  if (ascii(bytes, tag, 4) === 'fLaC') return inspectFlac(bytes, tag);
  const mp3 = inspectMp3(bytes, tag);
  if (mp3) return mp3;
  const other = otherMagic(bytes);
  if (other) return { kind: 'unsupported', type: other };
  if (tag > 0) {
    return { kind: 'corrupt', type: 'ID3-tagged file', problem: 'no audio frames after the tag' };
  }
  const text = textKind(bytes);
  if (text) return { kind: 'unsupported', type: text, detail: 'not audio' };
  const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return { kind: 'unsupported', type: 'unknown', detail: `first bytes: ${head}` };
}

/** Known non-audio (or not-yet-supported audio) signatures. */
function otherMagic(bytes: Uint8Array): string | undefined {
  const four = ascii(bytes, 0, 4);
  if (four === '#!AM') return 'AMR';
  if (bytes[0] === 0x89 && ascii(bytes, 1, 3) === 'PNG') return 'PNG image';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'JPEG image';
  if (ascii(bytes, 0, 4) === 'GIF8') return 'GIF image';
  if (four === '%PDF') return 'PDF document';
  if (four === 'PK\x03\x04') return 'ZIP archive';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'gzip archive';
  return undefined;
}

/** "text", "HTML page", … when the start of the file is printable UTF-8 text. */
function textKind(bytes: Uint8Array): string | undefined {
  const head = bytes.subarray(0, 4096);
  for (const byte of head) {
    // Control characters other than tab, newlines, form feed and escape never occur in text.
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c) {
      if (byte !== 0x1b) return undefined;
    }
  }
  const decoded = new TextDecoder('utf-8').decode(head);
  // Allow one replacement character for a multi-byte sequence cut at the 4 KiB boundary.
  if ((decoded.match(/\uFFFD/g) ?? []).length > 1) return undefined;
  const start = decoded.trimStart().slice(0, 64).toLowerCase();
  if (start.startsWith('<!doctype html') || start.startsWith('<html')) return 'HTML page';
  if (start.startsWith('<?xml') || start.startsWith('<svg')) return 'XML text';
  if (start.startsWith('{') || start.startsWith('[')) return 'JSON/text';
  return 'text';
}

// --- WAV ---------------------------------------------------------------------------------------

const WAV_CODECS: Record<number, string> = {
  1: 'pcm',
  3: 'float',
  6: 'alaw',
  7: 'ulaw',
  2: 'ms-adpcm',
  17: 'ima-adpcm',
};

function inspectWav(bytes: Uint8Array): FormatInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 12;
  let codec: string | undefined;
  let formatTag = -1;
  let dataSize = -1;
  let dataAvailable = 0;
  while (at + 8 <= bytes.length) {
    const id = ascii(bytes, at, 4);
    const size = view.getUint32(at + 4, true);
    if (id === 'fmt ' && at + 8 + 16 <= bytes.length) {
      formatTag = view.getUint16(at + 8, true);
      if (formatTag === 0xfffe && size >= 40 && at + 8 + 26 <= bytes.length) {
        formatTag = view.getUint16(at + 8 + 24, true);
      }
      codec = WAV_CODECS[formatTag];
    } else if (id === 'data') {
      dataSize = size;
      dataAvailable = bytes.length - (at + 8);
      break;
    }
    // Chunks are padded to an even length.
    at += 8 + size + (size & 1);
  }
  if (formatTag === -1) {
    return {
      kind: 'corrupt',
      type: 'WAV',
      problem: 'no "fmt " chunk (truncated or damaged header)',
    };
  }
  if (!codec) {
    const tag = `0x${formatTag.toString(16).padStart(4, '0')}`;
    return {
      kind: 'unsupported',
      type: `WAV with codec ${tag}`,
      detail: 'PCM, float, A-law, µ-law, ADPCM only',
    };
  }
  const damage: string[] = [];
  if (dataSize === -1) {
    damage.push('no "data" chunk (truncated)');
  } else if (dataSize !== 0xffffffff && dataSize > dataAvailable) {
    // 0xFFFFFFFF is the "size unknown" placeholder some streaming writers leave.
    damage.push(
      `truncated: header declares ${dataSize} bytes of samples, file holds ${dataAvailable}`,
    );
  }
  return {
    kind: 'audio',
    format: codec === 'pcm' || codec === 'float' ? 'wav' : `wav-${codec}`,
    decoder: 'wav',
    damage,
  };
}

// --- FLAC --------------------------------------------------------------------------------------

function inspectFlac(bytes: Uint8Array, start: number): FormatInfo {
  const damage: string[] = [];
  // STREAMINFO is the mandatory first metadata block: 4-byte block header, then 34 bytes.
  const info = start + 8;
  if (bytes.length < info + 18 || (bytes[start + 4] & 0x7f) !== 0) {
    return { kind: 'corrupt', type: 'FLAC', problem: 'missing or truncated STREAMINFO header' };
  }
  const sampleRate = (bytes[info + 10] << 12) | (bytes[info + 11] << 4) | (bytes[info + 12] >> 4);
  // 36-bit total sample count: low 4 bits of byte 13, then bytes 14..17.
  const totalFrames =
    ((bytes[info + 13] & 0x0f) * 2 ** 32 +
      ((bytes[info + 14] << 24) |
        (bytes[info + 15] << 16) |
        (bytes[info + 16] << 8) |
        bytes[info + 17])) >>>
    0;
  const expected: ExpectedLength | undefined =
    totalFrames > 0 && sampleRate > 0
      ? {
          frames: totalFrames,
          trimToDeclared: false,
          toleranceFrames: 0,
          source: 'FLAC STREAMINFO',
        }
      : undefined;
  return { kind: 'audio', format: 'flac', decoder: 'flac', damage, expected };
}

// --- Ogg ---------------------------------------------------------------------------------------

function inspectOgg(bytes: Uint8Array): FormatInfo {
  const scan = scanOgg(bytes);
  const damage: string[] = [];
  if (scan.badCrcOffsets.length > 0) {
    const first = scan.badCrcOffsets[0];
    damage.push(
      `${scan.badCrcOffsets.length} Ogg page(s) fail their CRC check (first at byte ${first})`,
    );
  }
  if (scan.endsMidPage) damage.push('truncated: the file ends inside an Ogg page');
  const codecs = scan.streams.map((s) => ({ stream: s, codec: oggCodec(s.firstPacket) }));
  const audio = codecs.find(
    (c) => c.codec === 'vorbis' || c.codec === 'opus' || c.codec === 'flac',
  );
  if (!audio) {
    if (codecs.some((c) => c.codec === 'theora')) {
      return { kind: 'unsupported', type: 'Ogg video (Theora) without audio' };
    }
    if (codecs.some((c) => c.codec === 'speex')) {
      return { kind: 'unsupported', type: 'Ogg Speex', detail: 'Vorbis, Opus and FLAC only' };
    }
    const problem =
      damage.length > 0
        ? `no recognisable audio stream; ${damage.join('; ')}`
        : 'no recognisable audio stream (unknown or damaged stream header)';
    return { kind: 'corrupt', type: 'Ogg', problem };
  }
  if (codecs.some((c) => c.codec === 'theora')) {
    return {
      kind: 'unsupported',
      type: 'Ogg video (Theora)',
      detail: 'extract the audio track first',
    };
  }
  const unknown = codecs.filter((c) => c.codec === 'unknown');
  if (unknown.length > 0) damage.push('an unknown or damaged Ogg stream header precedes the audio');
  const { stream, codec } = audio;
  if (!stream.ended && !scan.endsMidPage)
    damage.push('truncated: the last Ogg page lacks the end-of-stream flag');
  let expected: ExpectedLength | undefined;
  if (stream.lastGranule > 0) {
    // Opus granules count 48 kHz samples including the pre-skip the decoder drops.
    const frames =
      codec === 'opus' ? stream.lastGranule - opusPreSkip(stream.firstPacket) : stream.lastGranule;
    expected = { frames, trimToDeclared: true, source: 'Ogg granule position' };
  }
  const decoder: DecoderName = codec === 'opus' ? 'opus' : codec === 'flac' ? 'flac' : 'oga';
  return { kind: 'audio', format: `ogg-${codec}`, decoder, damage, expected };
}

// --- WebM / Matroska ---------------------------------------------------------------------------

const MATROSKA_AUDIO: Record<string, string> = {
  A_OPUS: 'opus',
  A_VORBIS: 'vorbis',
};

function inspectMatroska(bytes: Uint8Array): FormatInfo {
  const info = readMatroskaInfo(bytes);
  const container = info.docType === 'webm' ? 'WebM' : 'Matroska';
  if (info.tracks.length === 0) {
    return {
      kind: 'corrupt',
      type: container,
      problem: 'no track list (truncated or damaged header)',
    };
  }
  const audio = info.tracks.filter((t) => t.type === 2);
  if (audio.length === 0) {
    const kinds = info.tracks.map((t) => t.codecId).join(', ');
    return {
      kind: 'unsupported',
      type: `${container} (video only)`,
      detail: `tracks: ${kinds}, no audio`,
    };
  }
  const codec = MATROSKA_AUDIO[audio[0].codecId];
  if (!codec) {
    return {
      kind: 'unsupported',
      type: `${container} audio ${audio[0].codecId}`,
      detail: 'Opus and Vorbis only',
    };
  }
  const expected: ExpectedLength | undefined =
    info.durationSeconds !== undefined
      ? { seconds: info.durationSeconds, trimToDeclared: true, source: `${container} duration` }
      : undefined;
  return {
    kind: 'audio',
    format: `${container.toLowerCase()}-${codec}`,
    decoder: 'webm',
    damage: [],
    expected,
  };
}

// --- MP3 ---------------------------------------------------------------------------------------

const MPEG1_L3_BITRATES = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0];
const MPEG2_L3_BITRATES = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0];
const MPEG_RATES: Record<number, number[]> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
};

interface MpegFrame {
  version: number;
  channelMode: number;
  length: number;
}

/** Parses an MPEG Layer III frame header at `at`. */
function mpegFrame(bytes: Uint8Array, at: number): MpegFrame | undefined {
  if (at + 4 > bytes.length || bytes[at] !== 0xff || (bytes[at + 1] & 0xe0) !== 0xe0)
    return undefined;
  const version = (bytes[at + 1] >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
  const layer = (bytes[at + 1] >> 1) & 3; // 1: Layer III
  if (version === 1 || layer !== 1) return undefined;
  const bitrateIndex = bytes[at + 2] >> 4;
  const rateIndex = (bytes[at + 2] >> 2) & 3;
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const kbps = (version === 3 ? MPEG1_L3_BITRATES : MPEG2_L3_BITRATES)[bitrateIndex];
  const rate = MPEG_RATES[version][rateIndex];
  const padding = (bytes[at + 2] >> 1) & 1;
  const length = Math.floor(((version === 3 ? 144 : 72) * kbps * 1000) / rate) + padding;
  return { version, channelMode: bytes[at + 3] >> 6, length };
}

function inspectMp3(bytes: Uint8Array, tag: number): FormatInfo | undefined {
  // Encoders pad after the ID3 tag; skip zero bytes up to the first frame.
  let at = tag;
  while (at < bytes.length && at < tag + 4096 && bytes[at] === 0) at++;
  const first = mpegFrame(bytes, at);
  if (!first) return undefined;
  // One sync word can be chance (text never starts with 0xFF, but noise may): require a second
  // frame right after the first, unless the file is that single frame.
  const next = at + first.length;
  if (next < bytes.length && !mpegFrame(bytes, next) && tag === 0) return undefined;
  const damage: string[] = [];
  let expected: ExpectedLength | undefined;
  // A Xing/Info header in the first frame declares the stream's frame and byte counts, and a
  // LAME-style tag after it the encoder delay and padding: together, the exact sample count.
  const mono = first.channelMode === 3;
  const sideInfo = first.version === 3 ? (mono ? 17 : 32) : mono ? 9 : 17;
  const xing = at + 4 + sideInfo;
  const marker = ascii(bytes, xing, 4);
  if ((marker === 'Xing' || marker === 'Info') && xing + 8 <= bytes.length) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const flags = view.getUint32(xing + 4, false);
    let field = xing + 8;
    let frameCount: number | undefined;
    if (flags & 1 && field + 4 <= bytes.length) frameCount = view.getUint32(field, false);
    if (flags & 1) field += 4;
    if (flags & 2 && field + 4 <= bytes.length) {
      const declared = view.getUint32(field, false);
      const available = bytes.length - at;
      // Allow for a trailing ID3v1 tag or a few bytes of slack in the encoder's count.
      if (declared > available + 128) {
        damage.push(
          `truncated: the Xing/Info header declares ${declared} bytes of frames, file holds ${available}`,
        );
      }
    }
    if (flags & 2) field += 4;
    if (flags & 4) field += 100;
    if (flags & 8) field += 4;
    if (frameCount !== undefined && frameCount > 0) {
      const samplesPerFrame = first.version === 3 ? 1152 : 576;
      // LAME, Lavc and Lavf tags: 9-byte encoder name, then delay and padding (12 bits each) at +21.
      const tag = field + 24 <= bytes.length && /^[A-Za-z]{4}/.test(ascii(bytes, field, 4));
      const delay = tag ? (bytes[field + 21] << 4) | (bytes[field + 22] >> 4) : 0;
      const padding = tag ? ((bytes[field + 22] & 0x0f) << 8) | bytes[field + 23] : 0;
      expected = {
        frames: frameCount * samplesPerFrame - delay - padding,
        trimToDeclared: false,
        // Decoders drop whole damaged frames; without the tag, allow for the unknown delay.
        toleranceFrames: tag ? samplesPerFrame / 2 : 2 * samplesPerFrame + 2048,
        source: 'Xing/Info frame count',
      };
    }
  }
  return { kind: 'audio', format: 'mp3', decoder: 'mp3', damage, expected };
}
