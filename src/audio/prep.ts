/**
 * `prep`: turn files and folders of audio into mono WAV at one rate, for the encoders. Batch
 * semantics: every file gets a result, bad files are recorded and skipped, outputs that are up to
 * date are not redone, and each output appears whole or not at all (temp file + rename).
 */
import { open, readdir, stat } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { CommonsynthError, FileAccessError, isFileSystemError, UsageError } from '../errors.js';
import { removeStaleTempFiles, writeFileAtomic } from './atomic.js';
import { decodeAudioFile } from './decode.js';
import { normalizePeak } from './level.js';
import { resampleFile } from './load.js';
import { toMono } from './mono.js';
import { RESAMPLE_QUALITIES, type ResampleQuality } from './resample.js';
import { encodeWav, findWavChunk } from './wav.js';

/** Extensions `prep` picks up inside folders (files named explicitly are always tried). */
export const AUDIO_EXTENSIONS: readonly string[] = [
  '.wav',
  '.wave',
  '.flac',
  '.ogg',
  '.oga',
  '.opus',
  '.mp3',
  '.webm',
  '.weba',
  '.mka',
  '.m4a',
  '.mp4',
  '.aif',
  '.aiff',
  '.aifc',
  '.caf',
  '.wv',
  // Raw ADTS AAC is refused (its rate decodes wrong), but named in the summary, not skipped.
  '.aac',
  '.mid',
  '.midi',
];

export interface FindAudioFilesOptions {
  /** Extensions to take, lower case with the dot (default AUDIO_EXTENSIONS). */
  extensions?: readonly string[];
  /** A folder not to enter (prep's output folder when it lies inside an input). */
  skip?: string;
  /** Take symbolic links as files too (default true). */
  links?: boolean;
}

/**
 * Audio files under `folder` by extension, depth first with each folder's entries in code-unit
 * order (a stable order, for reproducible runs), skipping hidden entries.
 */
export async function findAudioFiles(
  folder: string,
  options: FindAudioFilesOptions = {},
): Promise<string[]> {
  const { extensions = AUDIO_EXTENSIONS, skip, links = true } = options;
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (path === skip) continue;
      if (entry.isDirectory()) await walk(path);
      else if (
        (entry.isFile() || (links && entry.isSymbolicLink())) &&
        extensions.includes(extname(entry.name).toLowerCase())
      ) {
        files.push(path);
      }
    }
  };
  await walk(folder);
  return files;
}

export type PrepNormalize = 'peak' | 'none';
export type PrepSampleFormat = 'pcm16' | 'float32';

export interface PrepOptions {
  outDir: string;
  /** Output rate in Hz (default 16000). */
  sampleRate?: number;
  /** 'peak' scales each file to a −1 dBFS peak; 'none' (default) keeps the level. */
  normalize?: PrepNormalize;
  /** Output sample format (default 'pcm16'). */
  format?: PrepSampleFormat;
  /** Resampler quality (default 'polyphase'). */
  quality?: ResampleQuality;
  /** Called once with completed 0 when the file list is known, then after every file. */
  onProgress?: (progress: PrepProgress) => void;
}

export interface PrepProgress {
  completed: number;
  total: number;
  /** The file just finished (absent in the first call). */
  result?: PrepFileResult;
}

export interface PrepFileResult {
  input: string;
  output: string;
  status: 'done' | 'skipped' | 'failed';
  /** Duration of the audio in seconds (done and skipped files). */
  durationSeconds?: number;
  /** The input's sample rate (done and skipped files). */
  sampleRateIn?: number;
  /** Detected input format, e.g. "flac", "ogg-vorbis" (done and skipped files). */
  formatIn?: string;
  error?: { code: string; message: string };
}

export interface PrepSummary {
  outDir: string;
  sampleRate: number;
  normalize: PrepNormalize;
  format: PrepSampleFormat;
  quality: ResampleQuality;
  total: number;
  done: number;
  skipped: number;
  failed: number;
  /** Seconds of audio in the outputs (done and skipped files). */
  audioSeconds: number;
  files: PrepFileResult[];
}

/** Bumped when prep's processing changes, so old outputs are redone. */
const PREP_VERSION = 1;
/** The RIFF chunk in each output that records how it was made (checked on re-runs). */
const PROVENANCE_CHUNK = 'cspr';
const PEAK_TARGET_DB = -1;

interface Provenance {
  settings: string;
  inputSize: number;
  inputMtimeMs: number;
  durationSeconds: number;
  sampleRateIn: number;
  formatIn: string;
}

interface Job {
  input: string;
  output: string;
}

/**
 * Converts audio files (and every audio file under the given folders, recursively) to mono WAV
 * under `outDir`, mirroring their folders relative to the inputs' common folder.
 * @throws UsageError for bad options or inputs that do not exist
 */
export async function prepFiles(
  inputs: readonly string[],
  options: PrepOptions,
): Promise<PrepSummary> {
  const settings = checkOptions(options);
  const outDir = resolve(options.outDir);
  const outInfo = await stat(outDir).catch(() => undefined);
  if (outInfo !== undefined && !outInfo.isDirectory()) {
    throw new UsageError(`prep: the output folder ${outDir} is a file, not a folder`);
  }
  const jobs = await planJobs(inputs, outDir);
  // A killed run may have left temporary files next to its outputs.
  for (const folder of new Set(jobs.map((job) => dirname(job.output)))) {
    await removeStaleTempFiles(folder);
  }
  const settingsKey = JSON.stringify({ v: PREP_VERSION, ...settings });
  const files: PrepFileResult[] = [];
  options.onProgress?.({ completed: 0, total: jobs.length });
  for (const job of jobs) {
    const result = await prepOne(job, settings, settingsKey);
    files.push(result);
    options.onProgress?.({ completed: files.length, total: jobs.length, result });
  }
  const count = (status: PrepFileResult['status']) =>
    files.filter((f) => f.status === status).length;
  return {
    outDir,
    ...settings,
    total: files.length,
    done: count('done'),
    skipped: count('skipped'),
    failed: count('failed'),
    audioSeconds: files.reduce((sum, f) => sum + (f.durationSeconds ?? 0), 0),
    files,
  };
}

interface Settings {
  sampleRate: number;
  normalize: PrepNormalize;
  format: PrepSampleFormat;
  quality: ResampleQuality;
}

function checkOptions(options: PrepOptions): Settings {
  const sampleRate = options.sampleRate ?? 16000;
  if (!Number.isInteger(sampleRate) || sampleRate < 1000 || sampleRate > 384000) {
    throw new UsageError(
      `prep: the rate must be an integer from 1000 to 384000 Hz, got ${sampleRate}`,
    );
  }
  const normalize = options.normalize ?? 'none';
  if (normalize !== 'peak' && normalize !== 'none') {
    throw new UsageError(`prep: normalize must be "peak" or "none", got "${normalize}"`);
  }
  const format = options.format ?? 'pcm16';
  if (format !== 'pcm16' && format !== 'float32') {
    throw new UsageError(`prep: format must be "pcm16" or "float32", got "${format}"`);
  }
  const quality = options.quality ?? 'polyphase';
  if (!RESAMPLE_QUALITIES.includes(quality)) {
    throw new UsageError(
      `prep: quality must be one of ${RESAMPLE_QUALITIES.join(', ')}, got "${quality}"`,
    );
  }
  if (!options.outDir) throw new UsageError('prep: an output folder is required');
  return { sampleRate, normalize, format, quality };
}

/** Finds the input files and gives each a unique output path. */
async function planJobs(inputs: readonly string[], outDir: string): Promise<Job[]> {
  if (inputs.length === 0) throw new UsageError('prep: no input files or folders given');
  const found: Array<{ file: string; root: string }> = [];
  const roots: string[] = [];
  for (const input of inputs) {
    const path = resolve(input);
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new UsageError(`prep: no such file or folder: ${input}`);
    if (info.isDirectory()) {
      roots.push(path);
      for (const file of await findAudioFiles(path, { skip: outDir })) {
        found.push({ file, root: path });
      }
    } else {
      roots.push(dirname(path));
      found.push({ file: path, root: dirname(path) });
    }
  }
  const unique = [...new Set(found.map((f) => f.file))].sort();
  const base = commonFolder(roots);
  const names = outputNames(unique, base);
  return unique.map((file, i) => ({ input: file, output: join(outDir, names[i]) }));
}

/**
 * Output names relative to the output folder: the input's path relative to `base` with its
 * extension replaced by ".wav", except where two inputs would then share a name (x.flac and x.ogg,
 * or x.opus and x.opus.webm): those keep their extension (x.flac.wav). Names are compared without
 * case, for case-insensitive file systems.
 */
function outputNames(files: readonly string[], base: string): string[] {
  const rel = files.map((file) => relative(base, file));
  const stem = rel.map((r) => r.slice(0, r.length - extname(r).length));
  const keepExtension = new Array<boolean>(files.length).fill(false);
  const names = () => rel.map((r, i) => (keepExtension[i] ? `${r}.wav` : `${stem[i]}.wav`));
  // Each round moves at least one file to its (unique) full-name form, so this ends.
  for (;;) {
    const byName = new Map<string, number[]>();
    names().forEach((name, i) => {
      const key = name.toLowerCase();
      byName.set(key, [...(byName.get(key) ?? []), i]);
    });
    let changed = false;
    for (const group of byName.values()) {
      if (group.length < 2) continue;
      for (const i of group) {
        if (!keepExtension[i]) {
          keepExtension[i] = true;
          changed = true;
        }
      }
    }
    if (!changed) return names();
  }
}

function commonFolder(folders: string[]): string {
  const split = folders.map((f) => f.split(sep));
  const first = split[0];
  let length = 0;
  while (length < first.length && split.every((parts) => parts[length] === first[length])) length++;
  return first.slice(0, length).join(sep) || sep;
}

async function prepOne(job: Job, settings: Settings, settingsKey: string): Promise<PrepFileResult> {
  const { input, output } = job;
  try {
    const info = await stat(input);
    const previous = await readProvenance(output);
    if (
      previous &&
      previous.settings === settingsKey &&
      previous.inputSize === info.size &&
      previous.inputMtimeMs === info.mtimeMs
    ) {
      return {
        input,
        output,
        status: 'skipped',
        durationSeconds: previous.durationSeconds,
        sampleRateIn: previous.sampleRateIn,
        formatIn: previous.formatIn,
      };
    }
    const decoded = await decodeAudioFile(input);
    let samples = resampleFile(
      input,
      toMono(decoded.channels),
      decoded.sampleRate,
      settings.sampleRate,
      settings.quality,
    );
    if (settings.normalize === 'peak') samples = normalizePeak(samples, PEAK_TARGET_DB);
    const durationSeconds = samples.length / settings.sampleRate;
    const provenance: Provenance = {
      settings: settingsKey,
      inputSize: info.size,
      inputMtimeMs: info.mtimeMs,
      durationSeconds,
      sampleRateIn: decoded.sampleRate,
      formatIn: decoded.format,
    };
    // An even-length record: RIFF pads odd chunks with a byte that some readers (audio-decode
    // among them) do not skip, after which they misread the file. JSON ignores trailing spaces.
    const text = JSON.stringify(provenance);
    const bytes = new TextEncoder().encode(text);
    const record = bytes.length % 2 === 0 ? bytes : new TextEncoder().encode(`${text} `);
    const wav = encodeWav(samples, settings.sampleRate, {
      format: settings.format,
      extraChunks: [{ id: PROVENANCE_CHUNK, data: record }],
    });
    await writeFileAtomic(output, wav);
    return {
      input,
      output,
      status: 'done',
      durationSeconds,
      sampleRateIn: decoded.sampleRate,
      formatIn: decoded.format,
    };
  } catch (error) {
    // A failed file-system call (an output folder blocked by a file, a full disk) is reported
    // in words with the path it failed on, not as Node's raw errno text coded INTERNAL.
    const typed = isFileSystemError(error) ? new FileAccessError(output, undefined, error) : error;
    const code = typed instanceof CommonsynthError ? typed.code : 'INTERNAL';
    const message = typed instanceof Error ? typed.message : String(typed);
    return { input, output, status: 'failed', error: { code, message } };
  }
}

/** The provenance recorded in an existing output, if it has a readable one. */
async function readProvenance(output: string): Promise<Provenance | undefined> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(output, 'r');
    // The provenance chunk sits right after the format chunks, well within the first 4 KiB.
    const head = new Uint8Array(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const chunk = findWavChunk(head.subarray(0, bytesRead), PROVENANCE_CHUNK);
    if (!chunk) return undefined;
    return JSON.parse(new TextDecoder().decode(chunk)) as Provenance;
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

/** Plain-text report of a summary: counts, then one line per failed file. */
export function formatPrepSummary(summary: PrepSummary): string {
  const lines = [
    `prep: ${summary.done} done, ${summary.skipped} skipped (up to date), ${summary.failed} failed` +
      ` of ${summary.total} files; ${summary.audioSeconds.toFixed(1)} s of audio at` +
      ` ${summary.sampleRate} Hz in ${summary.outDir}`,
  ];
  for (const file of summary.files) {
    if (file.status === 'failed')
      lines.push(`  failed [${file.error?.code}] ${file.error?.message}`);
  }
  return lines.join('\n');
}
