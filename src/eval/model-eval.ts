/**
 * `commonsynth eval` as a library: encode and decode each original with a model, score the
 * reconstruction on the spectral distances and the listening measures, and report per theme and
 * overall next to the original's own listening values, optional codec anchors (the same clips
 * through Opus) and the silence and noise baselines.
 * A file that fails (unreadable, too short) is recorded and skipped; the rest go on.
 */
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { loadMono } from '../audio/index.js';
import { MANIFEST_FILE, openManifest } from '../dataset/index.js';
import { CommonsynthError, describeError } from '../errors.js';
import { type Autoencoder, type DecodeOptions, openAutoencoder } from '../model/autoencoder.js';
import { type AnchorSpec, anchorOutput, requireFfmpegOpus } from './anchors.js';
import { baselineScores, DEFAULT_BASELINE_SEED } from './baselines.js';
import {
  ListeningReference,
  type ListeningScores,
  type ListeningSummary,
  summariseListening,
} from './listening.js';
import { METRIC_SPEC, QualityReference, type QualityScores } from './metrics.js';

/** Mean scores over clips, flattened (the same shape the trainer's validation reports). */
export interface MeanScores {
  sc: number;
  logMag: number;
  /** Multi-resolution STFT distance (sc + logMag). */
  stft: number;
  logMelL1Db: number;
}

/** An output's (the model's, an anchor's) means over clips: both distances and the listening measures. */
export interface OutputSummary extends MeanScores {
  listening: ListeningSummary;
}

export interface GroupSummary {
  clips: number;
  seconds: number;
  /** The originals' own listening measures (pitch kept 1 on every voiced clip). */
  original: ListeningSummary;
  model: OutputSummary;
  /** Codec anchors by name ("opus:8k"), when asked for. */
  anchors: Record<string, OutputSummary>;
  silence: MeanScores;
  noise: MeanScores;
  /** Whether the model scores lower than the -20 dB noise baseline on each distance (a reference point, not a target). */
  beatsNoise: { stft: boolean; logMel: boolean };
}

/** One output's scores on one clip: the distances to the original and the listening measures. */
export interface OutputScores extends QualityScores {
  listening: ListeningScores;
}

export interface ClipResult {
  file: string;
  theme: string;
  seconds: number;
  /** The original measured as an output of itself. */
  original: ListeningScores;
  model: OutputScores;
  anchors: Record<string, OutputScores>;
  silence: QualityScores;
  noise: QualityScores;
}

export interface EvalFailure {
  file: string;
  error: string;
}

export interface EvalReport {
  model: { name: string; family: string; dir: string };
  clips: ClipResult[];
  themes: Record<string, GroupSummary>;
  overall: GroupSummary | null;
  failures: EvalFailure[];
}

export interface EvaluateModelOptions {
  /** Model name or folder (default: the shipped model), or an open Autoencoder. */
  model?: string | Autoencoder;
  /** ONNX Runtime threads when this call opens the model. */
  threads?: number;
  /** Themes by file: a CSV with `file` and `theme` columns (paths relative to the CSV), or a dataset folder / manifest.sqlite. Default: the parent folder's name. */
  manifest?: string;
  /** Evaluate at most this many seconds from the start of each file. */
  maxSeconds?: number;
  /** Sampler settings for stochastic (wavenet-ae) decoders. */
  decode?: Pick<DecodeOptions, 'seed' | 'temperature'>;
  /**
   * Score the model on its own training split instead of the given files: the originals are then
   * the data folders it was trained on (the trainer's prepped folders, theme = first sub-folder),
   * and the files are those its package's training.json lists under `valFiles` or `trainFiles`.
   */
  split?: ModelSplit;
  /**
   * Codec anchors (see `parseAnchors`): each clip also goes through the codec and back and is
   * scored like the model. Needs ffmpeg with libopus (FfmpegMissingError otherwise, before any work).
   */
  anchors?: readonly AnchorSpec[];
  /** Called after each file (done, total, file). */
  onFile?: (done: number, total: number, file: string) => void;
}

/** Which of a package's recorded training files to evaluate on. */
export type ModelSplit = 'val' | 'train';

interface TrainingRecord {
  valFiles?: unknown;
  trainFiles?: unknown;
}

/**
 * The files a model package's training.json lists for `split`, found under the first of `dataDirs`
 * that holds each, with each file's theme (the first folder of its recorded path).
 */
export async function modelSplitFiles(
  modelDir: string,
  split: ModelSplit,
  dataDirs: readonly string[],
): Promise<{ files: string[]; themes: Map<string, string> }> {
  const recordPath = join(modelDir, 'training.json');
  let record: TrainingRecord;
  try {
    record = JSON.parse(await readFile(recordPath, 'utf8')) as TrainingRecord;
  } catch (error) {
    throw new EvaluationError(
      `${recordPath}: cannot read the model's training record (${describeError(error)}); --split needs a package exported by the trainer`,
      recordPath,
    );
  }
  const key = split === 'val' ? 'valFiles' : 'trainFiles';
  const ids = record[key];
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) {
    throw new EvaluationError(`${recordPath}: has no "${key}" list of files`, recordPath);
  }
  if (dataDirs.length === 0) {
    throw new EvaluationError('--split needs the data folders the model was trained on');
  }
  const roots = dataDirs.map((d) => resolve(d));
  const files: string[] = [];
  const themes = new Map<string, string>();
  const missing: string[] = [];
  for (const id of ids as string[]) {
    const found = roots.map((root) => join(root, id)).find((path) => existsSync(path));
    if (!found) {
      missing.push(id);
      continue;
    }
    files.push(found);
    themes.set(found, id.includes('/') ? id.split('/')[0] : 'default');
  }
  if (missing.length > 0) {
    const shown = missing.slice(0, 3).join(', ');
    throw new EvaluationError(
      `${missing.length} of the ${ids.length} ${split} files of the model are not under ${roots.join(', ')} (${shown}${missing.length > 3 ? ', …' : ''}); pass the folders the model was trained on (its prepped data)`,
    );
  }
  return { files, themes };
}

/** Bad arguments to `eval`: nothing to evaluate, an unreadable manifest. */
export class EvaluationError extends CommonsynthError {
  constructor(message: string, file?: string) {
    super('EVAL', message, { file });
  }
}

const AUDIO_EXTENSIONS = new Set(['.wav', '.flac', '.ogg', '.oga', '.opus', '.mp3', '.webm']);

/** Files as given, with folders expanded to the audio files below them (sorted). */
export async function collectAudioFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (AUDIO_EXTENSIONS.has(extname(entry.name).toLowerCase())) out.push(path);
    }
  };
  for (const path of paths) {
    const full = resolve(path);
    if (existsSync(full) && statSync(full).isDirectory()) await walk(full);
    else out.push(full);
  }
  return out;
}

/** Theme lookup from a manifest: absolute file path → theme. */
export async function readThemeManifest(path: string): Promise<Map<string, string>> {
  const full = resolve(path);
  const themes = new Map<string, string>();
  const isDir = existsSync(full) && statSync(full).isDirectory();
  if (isDir || basename(full) === MANIFEST_FILE) {
    const dataDir = isDir ? full : dirname(full);
    const manifest = openManifest(dataDir);
    try {
      for (const entry of manifest.creditsFor()) {
        const file = manifest.getFile(entry.sha1);
        if (entry.path && file && file.themes.length > 0) themes.set(entry.path, file.themes[0]);
      }
    } finally {
      manifest.close();
    }
    return themes;
  }
  let rows: Array<Record<string, string>>;
  try {
    rows = parse(await readFile(full, 'utf8'), { columns: true, skip_empty_lines: true });
  } catch (error) {
    throw new EvaluationError(`cannot read theme manifest ${full}: ${describeError(error)}`, full);
  }
  if (rows.length > 0 && (!('file' in rows[0]) || !('theme' in rows[0]))) {
    throw new EvaluationError(`theme manifest ${full} needs "file" and "theme" columns`, full);
  }
  for (const row of rows) themes.set(resolve(dirname(full), row.file), row.theme);
  return themes;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function meanScores(scores: QualityScores[]): MeanScores {
  return {
    sc: mean(scores.map((s) => s.stft.sc)),
    logMag: mean(scores.map((s) => s.stft.logMag)),
    stft: mean(scores.map((s) => s.stft.total)),
    logMelL1Db: mean(scores.map((s) => s.logMelL1Db)),
  };
}

function outputSummary(scores: OutputScores[]): OutputSummary {
  return { ...meanScores(scores), listening: summariseListening(scores.map((s) => s.listening)) };
}

/** Means over clips (each clip weighs the same, as in the trainer's validation); periodicity's median. */
export function summarise(clips: readonly ClipResult[]): GroupSummary {
  const model = outputSummary(clips.map((c) => c.model));
  const noise = meanScores(clips.map((c) => c.noise));
  const anchors: Record<string, OutputSummary> = {};
  for (const name of Object.keys(clips[0]?.anchors ?? {})) {
    anchors[name] = outputSummary(clips.map((c) => c.anchors[name]));
  }
  return {
    clips: clips.length,
    seconds: clips.reduce((a, c) => a + c.seconds, 0),
    original: summariseListening(clips.map((c) => c.original)),
    model,
    anchors,
    silence: meanScores(clips.map((c) => c.silence)),
    noise,
    beatsNoise: { stft: model.stft < noise.stft, logMel: model.logMelL1Db < noise.logMelL1Db },
  };
}

function trimmed(file: string, what: string, output: Float32Array, length: number): Float32Array {
  const out = output.subarray(0, length);
  if (out.length < length) {
    throw new EvaluationError(
      `${file}: ${what} has ${out.length} samples, fewer than the original's ${length}`,
      file,
    );
  }
  return out;
}

/**
 * Scores one original against its reconstruction (trimmed to the original's length) on every
 * measure, with the original's own listening values, the anchors' outputs (by name, each already
 * aligned with the original) and the baselines.
 */
export function scoreClip(
  file: string,
  theme: string,
  original: Float32Array,
  reconstruction: Float32Array,
  anchors: Readonly<Record<string, Float32Array>> = {},
): ClipResult {
  const rec = trimmed(file, 'reconstruction', reconstruction, original.length);
  // The original's spectra and pitch track once, for the model, the anchors and the baselines.
  const reference = new QualityReference(original);
  const listening = new ListeningReference(original);
  const score = (output: Float32Array): OutputScores => ({
    ...reference.compare(output),
    listening: listening.compare(output),
  });
  const anchorScores: Record<string, OutputScores> = {};
  for (const [name, output] of Object.entries(anchors)) {
    anchorScores[name] = score(trimmed(file, name, output, original.length));
  }
  const baselines = baselineScores(original, DEFAULT_BASELINE_SEED, reference);
  return {
    file,
    theme,
    seconds: original.length / METRIC_SPEC.sampleRate,
    original: listening.own,
    model: score(rec),
    anchors: anchorScores,
    silence: baselines.silence,
    noise: baselines.noise,
  };
}

/** Encodes, decodes and scores every original; see EvaluateModelOptions. */
export async function evaluateModel(
  originals: readonly string[],
  options: EvaluateModelOptions = {},
): Promise<EvalReport> {
  let files = options.split ? [] : await collectAudioFiles(originals);
  if (!options.split && files.length === 0) throw new EvaluationError('no audio files to evaluate');
  let themes = options.manifest ? await readThemeManifest(options.manifest) : undefined;
  // Before any model work: a missing ffmpeg is a setup problem, not a per-file failure.
  const anchors = options.anchors ?? [];
  const ffmpeg = anchors.length > 0 ? requireFfmpegOpus() : undefined;
  const ownsModel = typeof options.model !== 'object';
  const model =
    typeof options.model === 'object'
      ? options.model
      : await openAutoencoder(options.model, { threads: options.threads });
  try {
    if (model.info.sampleRate !== METRIC_SPEC.sampleRate) {
      throw new EvaluationError(
        `model "${model.info.name}" runs at ${model.info.sampleRate} Hz; the quality measure is defined at ${METRIC_SPEC.sampleRate} Hz`,
      );
    }
    if (options.split) {
      const chosen = await modelSplitFiles(model.info.dir, options.split, originals);
      files = chosen.files;
      themes = chosen.themes;
    }
  } catch (error) {
    if (ownsModel) await model.close();
    throw error;
  }
  const clips: ClipResult[] = [];
  const failures: EvalFailure[] = [];
  try {
    for (const [i, file] of files.entries()) {
      try {
        const audio = await loadMono(file, { sampleRate: METRIC_SPEC.sampleRate });
        const limit =
          options.maxSeconds !== undefined
            ? Math.floor(options.maxSeconds * METRIC_SPEC.sampleRate)
            : audio.samples.length;
        const original = audio.samples.subarray(0, limit);
        const embedding = await model.encode({ sampleRate: audio.sampleRate, samples: original });
        const [reconstruction] = await model.decode([embedding], options.decode);
        const theme = themes?.get(file) ?? basename(dirname(file));
        const anchored: Record<string, Float32Array> = {};
        for (const anchor of anchors) {
          anchored[anchor.name] = await anchorOutput(original, anchor, ffmpeg);
        }
        clips.push(scoreClip(file, theme, original, reconstruction, anchored));
      } catch (error) {
        failures.push({ file, error: describeError(error) });
      }
      options.onFile?.(i + 1, files.length, file);
    }
  } finally {
    if (ownsModel) await model.close();
  }
  const byTheme = new Map<string, ClipResult[]>();
  for (const clip of clips) {
    const list = byTheme.get(clip.theme) ?? [];
    list.push(clip);
    byTheme.set(clip.theme, list);
  }
  const themeSummaries: Record<string, GroupSummary> = {};
  for (const theme of [...byTheme.keys()].sort()) {
    themeSummaries[theme] = summarise(byTheme.get(theme)!);
  }
  return {
    model: { name: model.info.name, family: model.info.family, dir: model.info.dir },
    clips,
    themes: themeSummaries,
    overall: clips.length > 0 ? summarise(clips) : null,
    failures,
  };
}
