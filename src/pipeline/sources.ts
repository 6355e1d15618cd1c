/**
 * Where a run's sounds come from: a local folder (credits from its manifest.csv, if any), or a
 * commonsynth dataset curated from Commons (credits from its SQLite manifest).
 */
import { relative, resolve, sep } from 'node:path';
import { AUDIO_EXTENSIONS, findAudioFiles } from '../audio/index.js';
import { CommonsRequestError, type RetryPolicy } from '../commons/index.js';
import { type CurateConfig, type CurateSummary, curate, openManifest } from '../dataset/index.js';
import { CommonsynthError } from '../errors.js';
import { sha1OfFile } from '../hash.js';
import { readLocalManifestCredits, type SourceCredit } from '../sequencer/index.js';

/** One input sound of a run. */
export interface RunSourceFile {
  path: string;
  sha1: string;
  /** Theme (dataset) or parent folder name (local folder). */
  theme: string;
  credit: SourceCredit;
}

export type RunSource =
  | { kind: 'folder'; dir: string }
  | {
      kind: 'commons';
      /** The dataset folder (manifest.sqlite + store/). */
      dataDir: string;
      theme?: string;
      categories?: string[];
      contact: string;
      apiUrl?: string;
      depth?: number;
      limit?: number;
      config?: CurateConfig;
      /** HTTP retry policy (tests shorten it). */
      retry?: Partial<RetryPolicy>;
    };

/** Commons could not be reached (offline, DNS, firewall): `run` then points to `--source`. */
export class CommonsUnreachableError extends CommonsynthError {
  constructor(api: string, reason: string, cause?: unknown) {
    super(
      'COMMONS_UNREACHABLE',
      `cannot reach ${api}: ${reason}. Without a network, run on a local folder of sounds instead: ` +
        'commonsynth run --source DIR --out DIR (a manifest.csv in DIR supplies the credits)',
      { file: api, cause },
    );
  }
}

/**
 * Extensions a run's folder scan takes as audio (decoding decides for real; bad files fail later):
 * prep's, less MIDI (.mid, .midi) and audio-only Matroska (.weba, .mka), as it always was: a MIDI
 * score in a source folder is passed over rather than failing the run.
 */
const RUN_AUDIO_EXTENSIONS = AUDIO_EXTENSIONS.filter(
  (ext) => !['.mid', '.midi', '.weba', '.mka'].includes(ext),
);

/**
 * Every audio file under `dir`, hashed, with credits from `dir/manifest.csv` where it has them.
 * Paths are absolute: the folder is resolved once, here, so that matching against the manifest
 * (whose rows are relative to its own folder) and every later reader (recipes resolve from their
 * own folder) see the same file whatever the working directory. A relative `dir` used to yield
 * cwd-relative paths that the manifest matching resolved against `dir` a second time, so rows
 * without a sha1 never matched and every file was credited "unknown: local file".
 * `exclude`: a folder not to enter (the run's `--out`).
 */
export async function folderSources(
  dir: string,
  options: { exclude?: string } = {},
): Promise<RunSourceFile[]> {
  const root = resolve(dir);
  const files = await findAudioFiles(root, {
    extensions: RUN_AUDIO_EXTENSIONS,
    links: false,
    // The run's own output folder, when it lies inside the source: otherwise a second run would
    // take the first one's clips and track as sources.
    skip: options.exclude === undefined ? undefined : resolve(options.exclude),
  });
  const hashed = [];
  for (const path of files) hashed.push({ path, sha1: await sha1OfFile(path) });
  const credits = await readLocalManifestCredits(root, hashed);
  return hashed.map((file, i) => {
    const rel = relative(root, file.path).split(sep);
    return {
      ...file,
      theme: rel.length > 1 ? rel[rel.length - 2] : 'local',
      credit: credits[i],
    };
  });
}

/** Curates (or resumes curating) a Commons dataset, then lists its downloaded files. */
export async function commonsSources(
  source: Extract<RunSource, { kind: 'commons' }>,
  onCurate?: (summary: CurateSummary) => void,
): Promise<RunSourceFile[]> {
  let summary: CurateSummary;
  try {
    summary = await curate({
      dataDir: source.dataDir,
      config: source.config,
      contact: source.contact,
      apiUrl: source.apiUrl,
      theme: source.theme,
      categories: source.categories,
      depth: source.depth,
      limit: source.limit,
      retry: source.retry,
    });
  } catch (error) {
    // An HTTP answer (even an error) means Commons is reachable; no answer at all means it is not.
    if (error instanceof CommonsRequestError && error.status === undefined && !error.apiCode) {
      throw new CommonsUnreachableError(source.apiUrl ?? 'Wikimedia Commons', error.message, error);
    }
    throw error;
  }
  onCurate?.(summary);
  const manifest = openManifest(source.dataDir);
  try {
    const files = manifest
      .listFiles({ crawlKey: summary.crawlKey, status: ['downloaded', 'prepped', 'encoded'] })
      .filter((file) => file.localPath !== undefined);
    // The manifest's credit entries are SourceCredits already, with the store path resolved.
    const credits = manifest.creditsFor(files.map((f) => f.sha1));
    return files.map((file, i) => ({
      path: credits[i].path!,
      sha1: file.sha1,
      theme: file.themes[0] ?? source.theme ?? 'commons',
      credit: credits[i],
    }));
  } finally {
    manifest.close();
  }
}

/** Records in a dataset's manifest what the run did with its files (encoded, or failed + why). */
export function recordDatasetStatus(
  dataDir: string,
  updates: ReadonlyArray<{ sha1: string; status: 'encoded' | 'failed'; reason?: string }>,
): void {
  if (updates.length === 0) return;
  const manifest = openManifest(dataDir);
  try {
    for (const update of updates) manifest.markStatus(update.sha1, update.status, update.reason);
  } finally {
    manifest.close();
  }
}
