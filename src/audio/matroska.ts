/**
 * A minimal EBML/Matroska reader: just enough to list a WebM/Matroska file's tracks and its
 * declared duration, so that video-only files get a clear error and truncation is noticed.
 */

export interface MatroskaTrack {
  /** 1 video, 2 audio, 17 subtitle… (Matroska TrackType). */
  type: number;
  codecId: string;
}

export interface MatroskaInfo {
  docType: string;
  tracks: MatroskaTrack[];
  /** Declared duration in seconds, when the file states one. */
  durationSeconds?: number;
}

const ID_EBML = 0x1a45dfa3;
const ID_DOCTYPE = 0x4282;
const ID_SEGMENT = 0x18538067;
const ID_INFO = 0x1549a966;
const ID_TIMECODE_SCALE = 0x2ad7b1;
const ID_DURATION = 0x4489;
const ID_TRACKS = 0x1654ae6b;
const ID_TRACK_ENTRY = 0xae;
const ID_TRACK_TYPE = 0x83;
const ID_CODEC_ID = 0x86;
const ID_CLUSTER = 0x1f43b675;

interface Element {
  id: number;
  dataStart: number;
  /** End of the element's data; for "unknown size" elements, the end of the parent. */
  dataEnd: number;
}

/** Reads an EBML variable-length integer; `keepMarker` for element IDs. */
function readVint(
  bytes: Uint8Array,
  at: number,
  keepMarker: boolean,
): { value: number; length: number; unknown: boolean } | undefined {
  const first = bytes[at];
  if (first === undefined || first === 0) return undefined;
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  if (at + length > bytes.length) return undefined;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + bytes[at + i];
    if (bytes[at + i] !== 0xff) allOnes = false;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

function* children(bytes: Uint8Array, start: number, end: number): Generator<Element> {
  let at = start;
  while (at < end) {
    const id = readVint(bytes, at, true);
    if (!id) return;
    const size = readVint(bytes, at + id.length, false);
    if (!size) return;
    const dataStart = at + id.length + size.length;
    const dataEnd = size.unknown ? end : Math.min(end, dataStart + size.value);
    yield { id: id.value, dataStart, dataEnd };
    // Unknown-sized elements (live streams) hold the rest of their parent: step into them.
    at = size.unknown ? dataStart : dataEnd;
    if (size.unknown && id.value !== ID_SEGMENT && id.value !== ID_CLUSTER) return;
  }
}

function readUint(bytes: Uint8Array, el: Element): number {
  let value = 0;
  for (let i = el.dataStart; i < el.dataEnd; i++) value = value * 256 + bytes[i];
  return value;
}

function readFloat(bytes: Uint8Array, el: Element): number | undefined {
  const view = new DataView(
    bytes.buffer,
    bytes.byteOffset + el.dataStart,
    el.dataEnd - el.dataStart,
  );
  if (view.byteLength === 4) return view.getFloat32(0);
  if (view.byteLength === 8) return view.getFloat64(0);
  return undefined;
}

function readString(bytes: Uint8Array, el: Element): string {
  return new TextDecoder('latin1')
    .decode(bytes.subarray(el.dataStart, el.dataEnd))
    .replace(/\0+$/, '');
}

export function isEbml(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3;
}

/** Lists the tracks of a WebM/Matroska file. `bytes` must start with the EBML magic. */
export function readMatroskaInfo(bytes: Uint8Array): MatroskaInfo {
  const info: MatroskaInfo = { docType: '', tracks: [] };
  let timecodeScale = 1_000_000;
  let rawDuration: number | undefined;
  for (const top of children(bytes, 0, bytes.length)) {
    if (top.id === ID_EBML) {
      for (const el of children(bytes, top.dataStart, top.dataEnd)) {
        if (el.id === ID_DOCTYPE) info.docType = readString(bytes, el);
      }
    } else if (top.id === ID_SEGMENT) {
      for (const section of children(bytes, top.dataStart, top.dataEnd)) {
        if (section.id === ID_INFO) {
          for (const el of children(bytes, section.dataStart, section.dataEnd)) {
            if (el.id === ID_TIMECODE_SCALE) timecodeScale = readUint(bytes, el);
            if (el.id === ID_DURATION) rawDuration = readFloat(bytes, el);
          }
        } else if (section.id === ID_TRACKS) {
          for (const entry of children(bytes, section.dataStart, section.dataEnd)) {
            if (entry.id !== ID_TRACK_ENTRY) continue;
            const track: MatroskaTrack = { type: 0, codecId: '' };
            for (const el of children(bytes, entry.dataStart, entry.dataEnd)) {
              if (el.id === ID_TRACK_TYPE) track.type = readUint(bytes, el);
              if (el.id === ID_CODEC_ID) track.codecId = readString(bytes, el);
            }
            info.tracks.push(track);
          }
        } else if (section.id === ID_CLUSTER) {
          // Tracks and Info come before the media data; no need to walk the clusters.
          break;
        }
      }
    }
  }
  if (rawDuration !== undefined && Number.isFinite(rawDuration) && rawDuration > 0) {
    info.durationSeconds = (rawDuration * timecodeScale) / 1e9;
  }
  return info;
}
