/** What format detection says about a file's bytes (see detect.ts, containers.ts). */

/** The audio-decode decoder that handles a format. */
export type DecoderName =
  | 'wav'
  | 'flac'
  | 'oga'
  | 'opus'
  | 'mp3'
  | 'webm'
  | 'm4a'
  | 'aiff'
  | 'caf'
  | 'wv';

/** What the container itself says about how long the audio is, for checks after decoding. */
export interface ExpectedLength {
  /** Frames (samples per channel) the container declares, at `sampleRate` if given. */
  frames?: number;
  seconds?: number;
  /** The decoder may return a few extra frames past the declared end (Opus): cut them. */
  trimToDeclared: boolean;
  /** How many frames short still counts as whole (default: 0.1 s or 1%, whichever is more). */
  toleranceFrames?: number;
  /** Where the declared length comes from, for error messages. */
  source: string;
}

export type FormatInfo =
  | {
      kind: 'audio';
      /** e.g. "wav", "flac", "ogg-vorbis", "ogg-opus", "mp3", "webm-opus". */
      format: string;
      decoder: DecoderName;
      /** Container damage found before decoding (truncation, CRC errors); empty when sound. */
      damage: string[];
      expected?: ExpectedLength;
    }
  | { kind: 'empty' }
  /** Not audio we decode: `type` names what it looks like ("MIDI", "text", …). */
  | { kind: 'unsupported'; type: string; detail?: string }
  /** A recognised container whose headers are broken beyond identifying the codec. */
  | { kind: 'corrupt'; type: string; problem: string };
