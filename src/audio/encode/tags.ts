/**
 * The tags each output format carries its credits in: Vorbis comments (FLAC, Opus), ID3v2.4
 * (MP3) and RIFF LIST/INFO (WAV). Written here, by hand, because each is a few dozen bytes of
 * well-specified layout and none of the encoders we use writes them.
 */

/** What a file says about itself. Every field is optional; empty fields are left out. */
export interface AudioMetadata {
  title?: string;
  /** Who made it; commonsynth's outputs say "commonsynth". */
  artist?: string;
  /** A short comment: for our tracks, one TASL line per source. */
  comment?: string;
  /** The full credits (CREDITS.txt). */
  credits?: string;
  /** The license the work must be shared under, or what a publisher must know about it. */
  license?: string;
  /** The program that wrote the file. */
  software?: string;
}

const utf8 = new TextEncoder();

function present(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

/**
 * Vorbis comment fields in a stable order: TITLE, ARTIST, COMMENT, CREDITS, LICENSE, ENCODER.
 * (Names per the Xiph recommendations; CREDITS is ours, readers show it as a custom field.)
 */
export function vorbisCommentFields(metadata: AudioMetadata): Array<[string, string]> {
  const fields: Array<[string, string | undefined]> = [
    ['TITLE', metadata.title],
    ['ARTIST', metadata.artist],
    ['COMMENT', metadata.comment],
    ['CREDITS', metadata.credits],
    ['LICENSE', metadata.license],
    ['ENCODER', metadata.software],
  ];
  return fields.filter((f): f is [string, string] => present(f[1]));
}

/**
 * A Vorbis comment structure (vendor string, then `NAME=value` fields, each length-prefixed,
 * 32-bit little-endian), as FLAC's VORBIS_COMMENT block and Opus's OpusTags packet hold it.
 * `prefix` goes first (Opus: "OpusTags").
 */
export function encodeVorbisComment(
  vendor: string,
  metadata: AudioMetadata,
  prefix: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const vendorBytes = utf8.encode(vendor);
  const entries = vorbisCommentFields(metadata).map(([name, value]) =>
    utf8.encode(`${name}=${value}`),
  );
  const size =
    prefix.length + 4 + vendorBytes.length + 4 + entries.reduce((s, e) => s + 4 + e.length, 0);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set(prefix, 0);
  let at = prefix.length;
  view.setUint32(at, vendorBytes.length, true);
  bytes.set(vendorBytes, at + 4);
  at += 4 + vendorBytes.length;
  view.setUint32(at, entries.length, true);
  at += 4;
  for (const entry of entries) {
    view.setUint32(at, entry.length, true);
    bytes.set(entry, at + 4);
    at += 4 + entry.length;
  }
  return bytes;
}

/**
 * The body of a RIFF `LIST` chunk of type `INFO`: INAM (title), IART (artist), ICMT (the full
 * credits, else the comment: WAV has no separate credits field), ICOP (license), ISFT (software).
 * Strings are UTF-8 and NUL-terminated, each sub-chunk padded to an even length.
 */
export function encodeRiffInfo(metadata: AudioMetadata): Uint8Array {
  const fields: Array<[string, string | undefined]> = [
    ['INAM', metadata.title],
    ['IART', metadata.artist],
    ['ICMT', present(metadata.credits) ? metadata.credits : metadata.comment],
    ['ICOP', metadata.license],
    ['ISFT', metadata.software],
  ];
  const chunks = fields
    .filter((f): f is [string, string] => present(f[1]))
    .map(([id, value]) => ({ id, data: utf8.encode(`${value}\0`) }));
  const size = 4 + chunks.reduce((s, c) => s + 8 + c.data.length + (c.data.length & 1), 0);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set(utf8.encode('INFO'), 0);
  let at = 4;
  for (const chunk of chunks) {
    bytes.set(utf8.encode(chunk.id), at);
    view.setUint32(at + 4, chunk.data.length, true);
    bytes.set(chunk.data, at + 8);
    at += 8 + chunk.data.length + (chunk.data.length & 1);
  }
  return bytes;
}

function syncsafe(value: number): number[] {
  return [(value >>> 21) & 0x7f, (value >>> 14) & 0x7f, (value >>> 7) & 0x7f, value & 0x7f];
}

function id3Frame(id: string, body: Uint8Array): Uint8Array {
  const frame = new Uint8Array(10 + body.length);
  frame.set(utf8.encode(id), 0);
  frame.set(syncsafe(body.length), 4);
  frame.set(body, 10);
  return frame;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Encoding byte 3: UTF-8 (ID3v2.4). */
const ID3_UTF8 = 3;

/**
 * An ID3v2.4 tag: TIT2 (title), TPE1 (artist), COMM (comment, language "eng"), TXXX:CREDITS
 * (the full credits), TXXX:LICENSE, TSSE (software). All text is UTF-8. Undefined when the
 * metadata is empty (a tag with no frames is invalid).
 */
export function encodeId3v2(metadata: AudioMetadata): Uint8Array | undefined {
  const text = (value: string) => concat([Uint8Array.of(ID3_UTF8), utf8.encode(value)]);
  const described = (description: string, value: string) =>
    concat([Uint8Array.of(ID3_UTF8), utf8.encode(`${description}\0`), utf8.encode(value)]);
  const frames: Uint8Array[] = [];
  if (present(metadata.title)) frames.push(id3Frame('TIT2', text(metadata.title)));
  if (present(metadata.artist)) frames.push(id3Frame('TPE1', text(metadata.artist)));
  if (present(metadata.comment)) {
    frames.push(
      id3Frame(
        'COMM',
        concat([Uint8Array.of(ID3_UTF8), utf8.encode('eng\0'), utf8.encode(metadata.comment)]),
      ),
    );
  }
  if (present(metadata.credits)) {
    frames.push(id3Frame('TXXX', described('CREDITS', metadata.credits)));
  }
  if (present(metadata.license)) {
    frames.push(id3Frame('TXXX', described('LICENSE', metadata.license)));
  }
  if (present(metadata.software)) frames.push(id3Frame('TSSE', text(metadata.software)));
  if (frames.length === 0) return undefined;
  const body = concat(frames);
  // Header: "ID3", version 2.4.0, no flags, syncsafe size of everything after the header.
  return concat([Uint8Array.of(0x49, 0x44, 0x33, 4, 0, 0, ...syncsafe(body.length)), body]);
}
