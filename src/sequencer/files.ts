/**
 * Sequencing files: clips from disk (any format the audio stage decodes), the track as WAV, and
 * the track's credits merged from the clips' own credits where they have them.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import {
  type AudioFormat,
  audioFormatOfPath,
  loadMono,
  type WavSampleFormat,
  writeAudioFile,
} from '../audio/index.js';
import { CommonsynthError, UsageError } from '../errors.js';
import { CREDITS_JSON, type Credits, mergeCredits, writeCredits } from './credits.js';
import { creditsMetadata } from './tags.js';
import { type SequencedTrack, type SequenceOptions, sequenceTrack } from './track.js';

/**
 * Where a clip's own credits live: `clip-000/credits.json` beside `clip-000.wav` (the layout
 * `run` writes), else `clip-000.credits.json`. Undefined when there are none.
 */
export function clipCreditsPath(clipPath: string): string | undefined {
  const stem = join(dirname(clipPath), basename(clipPath, extname(clipPath)));
  for (const candidate of [join(stem, CREDITS_JSON), `${stem}.credits.json`]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

async function readCredits(path: string): Promise<Credits> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new CommonsynthError('CREDITS', `${path}: not readable credits JSON`, {
      file: path,
      cause,
    });
  }
  const credits = value as Partial<Credits>;
  if (credits.format !== 'commonsynth-credits' || !Array.isArray(credits.sources)) {
    throw new CommonsynthError('CREDITS', `${path}: not a commonsynth credits.json`, {
      file: path,
    });
  }
  return credits as Credits;
}

export interface SequenceFilesOptions extends SequenceOptions {
  /** The WAV file to write. */
  out: string;
  /** WAV sample format (WAV only). */
  format?: WavSampleFormat;
  /** File format (default: from `out`'s extension, else wav). Credits go inside the file too. */
  audioFormat?: AudioFormat;
  /** Where credits.json and CREDITS.txt go (default: the track's folder); false: none. */
  creditsDir?: string | false;
}

export interface SequenceFilesResult {
  track: SequencedTrack;
  /** Written credits, when any clip had credits. */
  credits?: Credits;
  /** Clips without credits of their own. */
  uncredited: string[];
}

/** Load the clips, sequence them, write the track and (from the clips' credits) its credits. */
export async function sequenceFiles(
  clipPaths: readonly string[],
  options: SequenceFilesOptions,
): Promise<SequenceFilesResult> {
  const sampleRate = options.sampleRate ?? 16000;
  const clips: Float32Array[] = [];
  for (const path of clipPaths) clips.push((await loadMono(path, { sampleRate })).samples);
  const track = sequenceTrack(clips, { ...options, sampleRate });
  const fromPath = audioFormatOfPath(options.out);
  const audioFormat = options.audioFormat ?? fromPath ?? 'wav';
  if (fromPath && fromPath !== audioFormat) {
    throw new UsageError(
      `${options.out}: the name says ${fromPath}, but the format asked is ${audioFormat}`,
    );
  }

  const used = [...new Set(track.placements.map((p) => p.clip))].sort((a, b) => a - b);
  const parts: Credits[] = [];
  const uncredited: string[] = [];
  for (const i of used) {
    const path = clipCreditsPath(clipPaths[i]);
    if (path) parts.push(await readCredits(path));
    else uncredited.push(clipPaths[i]);
  }
  const credits =
    parts.length > 0 ? mergeCredits(parts, basename(options.out), options.seed) : undefined;
  for (const clip of credits ? uncredited : []) {
    credits?.notices.push(
      `Missing credits: ${basename(clip)} came without credits; credit its sources yourself.`,
    );
  }
  // The credits go inside the file as well as beside it: a file shared alone keeps them.
  await writeAudioFile(options.out, track.audio, sampleRate, {
    format: audioFormat,
    wavFormat: options.format ?? 'pcm16',
    metadata: credits
      ? creditsMetadata(credits)
      : { title: basename(options.out, extname(options.out)), artist: 'commonsynth' },
  });
  if (options.creditsDir === false || !credits) return { track, uncredited };
  await writeCredits(options.creditsDir ?? dirname(options.out), credits);
  return { track, credits, uncredited };
}
