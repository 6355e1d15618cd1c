/** Which Commons media we take, and the file extension each kind is stored under. */

/** Audio MIME types commonsynth can decode (Ogg/Oga/Opus, FLAC, WAV, MP3, WebM audio). */
export const DEFAULT_AUDIO_MIMES: readonly string[] = [
  'application/ogg',
  'audio/ogg',
  'audio/opus',
  'audio/flac',
  'audio/x-flac',
  'audio/wav',
  'audio/x-wav',
  'audio/wave',
  'audio/vnd.wave',
  'audio/mpeg',
  'audio/mp3',
  'audio/webm',
  'video/webm',
];

const EXTENSIONS: Record<string, string> = {
  'application/ogg': 'ogg',
  'audio/ogg': 'ogg',
  'audio/opus': 'opus',
  'audio/flac': 'flac',
  'audio/x-flac': 'flac',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/vnd.wave': 'wav',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/webm': 'webm',
  'video/webm': 'webm',
  'audio/midi': 'mid',
  'audio/x-midi': 'mid',
};

/**
 * A safe extension for a MIME type: always from a fixed table, never from the file's title,
 * so nothing a wiki user typed reaches the file system. Unknown types get "bin".
 */
export function extensionForMime(mime: string): string {
  return EXTENSIONS[mime.toLowerCase().split(';')[0].trim()] ?? 'bin';
}

export interface MediaFilter {
  /** Allowed MIME types; DEFAULT_AUDIO_MIMES when absent. */
  mimes?: readonly string[];
  /** Seconds; files shorter are skipped. */
  minDuration?: number;
  /** Seconds; files longer are skipped. */
  maxDuration?: number;
}

/** Why a listed file is not taken (licenses aside); undefined when it is taken. */
export type MediaSkipReason = 'not-audio' | 'mime' | 'too-short' | 'too-long';

export function mediaSkipReason(
  info: { mime: string; mediatype: string; duration?: number },
  filter: MediaFilter = {},
): MediaSkipReason | undefined {
  const mime = info.mime.toLowerCase();
  if (!(filter.mimes ?? DEFAULT_AUDIO_MIMES).includes(mime)) return 'mime';
  // WebM and Ogg may hold video; Commons says which in mediatype.
  if (info.mediatype !== 'AUDIO') return 'not-audio';
  if (info.duration !== undefined) {
    if (filter.minDuration !== undefined && info.duration < filter.minDuration) return 'too-short';
    if (filter.maxDuration !== undefined && info.duration > filter.maxDuration) return 'too-long';
  }
  return undefined;
}
