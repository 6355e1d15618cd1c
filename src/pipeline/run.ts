/**
 * `run`: the main job, end to end. Sources (a Commons theme/category, or a local folder) → prep →
 * encode (cached in the embedding store) → N random pairs → mashup recipes → synth (in bounded
 * batches) → sequence → track.wav, clips, credits and run.json.
 *
 * Every stage's output is written atomically and reused when a re-run finds it valid, so a killed
 * run resumes: encodings come from the store, recipes are re-derived from the seed (cheap and
 * exact), clips whose recipe hash matches are kept, and an interrupted synthesis resumes from the
 * generator's state file.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import {
  type AudioFormat,
  loadMono,
  readWav,
  writeAudioFile,
  writeFileAtomic,
  writeWav,
} from '../audio/index.js';
import { describeError, UsageError } from '../errors.js';
import {
  createRecipe,
  matchSourceLufs,
  type Recipe,
  renderRecipeWith,
  SOURCE_LOUDNESS_LUFS,
  saveRecipe,
} from '../mashup/index.js';
import {
  type Autoencoder,
  type AutoencoderInfo,
  type DecodeOptions,
  openAutoencoder,
} from '../model/autoencoder.js';
import { commonsynthHome } from '../model/registry.js';
import { assertSeed, createRng, deriveSeed } from '../random.js';
import { buildCredits, type Credits, sequenceTrack, writeCredits } from '../sequencer/index.js';
import { creditsMetadata } from '../sequencer/tags.js';
import type { Embedding } from '../types.js';
import { VERSION } from '../version.js';
import { EmbeddingStore, modelKey } from './embedding-store.js';
import {
  commonsSources,
  folderSources,
  type RunSource,
  type RunSourceFile,
  recordDatasetStatus,
} from './sources.js';

export const RUN_STAGES = ['sources', 'encode', 'mashup', 'synth', 'sequence', 'credits'] as const;
export type RunStage = (typeof RUN_STAGES)[number];

export interface RunOptions {
  source: RunSource;
  outDir: string;
  /** Mashup clips, one per random pair of sources (default 4). */
  pairs?: number;
  /** Track length in seconds (default 60). */
  lengthSeconds?: number;
  /** Length of each clip in seconds (default: enough for the clips to cover the track). */
  clipSeconds?: number;
  seed?: number;
  /** Model name or folder (default: the shipped default model). */
  model?: string;
  /** Embedding store root (default $COMMONSYNTH_HOME/embeddings). */
  storeDir?: string;
  /** ONNX Runtime threads. */
  threads?: number;
  /** Sampling temperature for stochastic models. */
  temperature?: number;
  onEvent?: (event: RunEvent) => void;
  /** How often an interrupted synthesis can resume from, in seconds (default 10). */
  checkpointSeconds?: number;
  /** Stops the run (synthesis saves its state first). */
  signal?: AbortSignal;
  /** The track's file format (default wav); its credits go inside the file too. */
  format?: AudioFormat;
  /** Integrated loudness of the track's clips, LUFS (default −16); the master keeps −1 dBTP. */
  loudnessLufs?: number;
  /** Where encode and synth run (default: in this process); src/queue offers one on workers. */
  executor?: RunExecutorFactory;
}

/** One source to encode into the store under `storeKey`. */
export interface EncodeRequest {
  source: RunSourceFile;
  storeKey: string;
}

/** Clips to synthesise; each draws its randomness by its stream name, so batching changes nothing. */
export interface SynthRequest {
  embeddings: readonly Embedding[];
  streamNames: readonly string[];
  /** Content hashes of the clips (recipe, model key, temperature). */
  hashes: readonly string[];
  decode: DecodeOptions;
}

/**
 * Runs `run`'s encode and synth steps. The pipeline keeps the order, choices, failures and
 * sequencing, so any executor that returns the same embeddings and audio gives the same track.
 */
export interface RunExecutor {
  /** Encodes kept in flight at once (1 in this process: one model, one core set). */
  readonly parallelism: number;
  encode(request: EncodeRequest): Promise<{ embedding: Embedding; reused: boolean }>;
  synth(request: SynthRequest): Promise<Float32Array[]>;
  close?(): Promise<void>;
}

export interface RunExecutorContext {
  model: AutoencoderInfo;
  modelKey: string;
  store: EmbeddingStore;
  /** The in-process executor, for executors that delegate some work to it. */
  local: RunExecutor;
}

export type RunExecutorFactory = (context: RunExecutorContext) => Promise<RunExecutor>;

/** The default executor: the run's own model, in this process. */
function localExecutor(model: Autoencoder, store: EmbeddingStore): RunExecutor {
  return {
    parallelism: 1,
    async encode({ source, storeKey }) {
      const stored = await store.get(source.sha1, storeKey);
      if (stored) return { embedding: stored, reused: true };
      const audio = await loadMatchedSource(source.path, model.info.sampleRate);
      const embedding = await model.encode(audio);
      await store.put(source.sha1, storeKey, embedding);
      return { embedding, reused: false };
    },
    synth({ embeddings, streamNames, decode }) {
      return model.decode(embeddings, { ...decode, streamNames: [...streamNames] });
    },
  };
}

export type RunEvent =
  | { type: 'stage'; stage: RunStage }
  | { type: 'progress'; stage: RunStage; done: number; total: number; label?: string }
  /** Something the user should know that is not a failure (e.g. stale state discarded). */
  | { type: 'notice'; stage: RunStage; message: string };

export interface RunFailure {
  stage: RunStage;
  file: string;
  error: string;
}

export interface ClipReport {
  file: string;
  recipe: string;
  sources: string[];
  seconds: number;
  reused: boolean;
  /** The clip's integrated loudness as synthesised, LUFS, and the gain the sequencer gave it. */
  loudnessLufs: number | null;
  gainDb: number;
}

export interface RunReport {
  version: string;
  options: {
    source: RunSource;
    pairs: number;
    lengthSeconds: number;
    clipSeconds: number;
    seed: number;
    model: string;
  };
  model: { name: string; family: string; key: string };
  timings: Partial<Record<RunStage, number>>;
  counts: {
    sources: number;
    encoded: number;
    encodedReused: number;
    clips: number;
    clipsReused: number;
    failed: number;
  };
  failures: RunFailure[];
  clips: ClipReport[];
  track: string;
  trackSeconds: number;
  /** The mastered track's loudness (BS.1770 / EBU R128). */
  trackLoudness: {
    targetLufs: number;
    integratedLufs: number | null;
    loudnessRangeLu: number;
    truePeakDbtp: number | null;
    shortTermSpreadLu: number;
  };
  credits: string;
}

/** JSON has no −Infinity: silence is reported as null. */
const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * A source as the model encodes it in `run`: mono at the model's rate, matched to a common
 * integrated loudness (SOURCE_LOUDNESS_LUFS, true peak under −1 dBTP), so a quiet recording and
 * a loud one enter the latent mix on equal terms. The recipes record the same target.
 */
export async function loadMatchedSource(path: string, sampleRate: number) {
  const audio = await loadMono(path, { sampleRate });
  return { ...audio, samples: matchSourceLufs(audio.samples, SOURCE_LOUDNESS_LUFS, sampleRate) };
}

/** Store key of loudness-matched encodings: apart from unmatched ones of the same model. */
export const matchedKey = (key: string): string => `${key}-lufs${-SOURCE_LOUDNESS_LUFS}`;

/**
 * Clips decoded together. The decoder's working memory grows with the batch (~28 MB per 3 s clip
 * for parallel-ae), so `run` decodes its clips this many at a time: its peak memory stays the same
 * whatever `--pairs` is. Each clip draws its randomness by its own name, so the batching changes
 * no sample.
 */
export const RUN_SYNTH_BATCH = 8;

/**
 * The most clips a track of `lengthSeconds` can hold: one per model frame (hop / sampleRate
 * seconds, 32 ms for NSynth's 512 at 16 kHz). More clips than frames cannot each have a share of
 * the track; asking for them is refused before any work.
 */
export function maxClipsFor(lengthSeconds: number, sampleRate: number, hop: number): number {
  return Math.max(1, Math.floor((lengthSeconds * sampleRate) / hop));
}

/** The longest track `run` makes, in seconds (its float32 audio and sequencing copies fit in memory). */
export const MAX_TRACK_SECONDS = 3600;
/** The longest clip `run` synthesises, in seconds (a batch of 8 such clips stays in memory). */
export const MAX_CLIP_SECONDS = 120;

/** Default clip length: the clips together (with ~1.5 s overlaps) cover the track once. */
export function defaultClipSeconds(lengthSeconds: number, pairs: number): number {
  return Math.min(30, Math.max(3, lengthSeconds / pairs + 1.5));
}

/**
 * The pairs of a run over `sourceCount` encoded sources (already in seeded random order): each
 * source in one pair while there are enough, (0,1), (2,3)…; otherwise pairs drawn at random.
 */
export function choosePairs(sourceCount: number, count: number, seed: number): [number, number][] {
  if (sourceCount >= 2 * count) {
    return Array.from({ length: count }, (_, i): [number, number] => [2 * i, 2 * i + 1]);
  }
  return drawPairs(sourceCount, count, seed);
}

/** Draws `count` pairs of distinct sources; no pair repeats while unused pairs remain. */
export function drawPairs(sourceCount: number, count: number, seed: number): [number, number][] {
  if (sourceCount < 2)
    throw new UsageError(`a mashup needs at least 2 sources, found ${sourceCount}`);
  const rng = createRng(deriveSeed(seed, 'pairs'));
  const all: [number, number][] = [];
  for (let a = 0; a < sourceCount; a++) for (let b = a + 1; b < sourceCount; b++) all.push([a, b]);
  const pairs: [number, number][] = [];
  let bag: [number, number][] = [];
  while (pairs.length < count) {
    if (bag.length === 0) bag = rng.shuffle(all);
    const [a, b] = bag.pop()!;
    // Which source comes first matters to the cross-fade; draw it too.
    pairs.push(rng.chance(0.5) ? [a, b] : [b, a]);
  }
  return pairs;
}

function sha1Hex(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function clipName(index: number): string {
  return `clip-${String(index + 1).padStart(2, '0')}`;
}

interface ClipMeta {
  recipeHash: string;
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`));
}

export async function runPipeline(options: RunOptions): Promise<RunReport> {
  const pairsCount = options.pairs ?? 4;
  const lengthSeconds = options.lengthSeconds ?? 60;
  const seed = options.seed ?? 0;
  assertSeed(seed);
  if (!Number.isInteger(pairsCount) || pairsCount < 1) {
    throw new UsageError(`--pairs must be a positive integer, got ${pairsCount}`);
  }
  if (!(lengthSeconds > 0))
    throw new UsageError(`--length must be > 0 seconds, got ${lengthSeconds}`);
  // Checked before any work: a track or clip far beyond these needs more memory than V8 gives
  // (--length 1e9 ended in "heap out of memory", exit 134).
  if (lengthSeconds > MAX_TRACK_SECONDS) {
    throw new UsageError(
      `--length must be at most ${MAX_TRACK_SECONDS} seconds (one hour), got ${lengthSeconds}`,
    );
  }
  const clipSeconds = options.clipSeconds ?? defaultClipSeconds(lengthSeconds, pairsCount);
  const targetLufs = options.loudnessLufs ?? -16;
  if (!(Number.isFinite(targetLufs) && targetLufs <= 0)) {
    throw new UsageError(`--loudness must be a number of LUFS <= 0, got ${targetLufs}`);
  }
  if (!(clipSeconds > 0)) throw new UsageError(`--clip-length must be > 0, got ${clipSeconds}`);
  if (clipSeconds > MAX_CLIP_SECONDS) {
    throw new UsageError(
      `--clip-length must be at most ${MAX_CLIP_SECONDS} seconds, got ${clipSeconds}`,
    );
  }

  const emit = options.onEvent ?? (() => {});
  const outDir = options.outDir;
  const clipsDir = join(outDir, 'clips');
  const timings: Partial<Record<RunStage, number>> = {};
  const failures: RunFailure[] = [];
  const timed = async <T>(stage: RunStage, work: () => Promise<T>): Promise<T> => {
    emit({ type: 'stage', stage });
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[stage] = Math.round(performance.now() - started) / 1000;
    }
  };

  // The model first: the track's capacity in clips depends on its frame, and a run that asks for
  // more clips than that is refused before any source is scanned or curated.
  const model = await openAutoencoder(options.model, { threads: options.threads });
  let closeExecutor: (() => Promise<void>) | undefined;
  try {
    const capacity = maxClipsFor(lengthSeconds, model.info.sampleRate, model.info.hop);
    if (pairsCount > capacity) {
      throw new UsageError(
        `--pairs ${pairsCount}: a ${lengthSeconds} s track holds at most ${capacity} clips ` +
          `(one ${((1000 * model.info.hop) / model.info.sampleRate).toFixed(0)} ms model frame each); ` +
          'ask for fewer --pairs or a longer --length',
      );
    }
    await mkdir(clipsDir, { recursive: true });

    // 1. Sources.
    const sources = await timed('sources', async () =>
      options.source.kind === 'folder'
        ? folderSources(options.source.dir, { exclude: outDir })
        : commonsSources(options.source),
    );
    if (sources.length === 0) {
      throw new UsageError(
        options.source.kind === 'folder'
          ? `no audio files found in ${options.source.dir}`
          : 'the Commons crawl found no downloadable free audio',
      );
    }

    const key = await modelKey(model.info.dir, model.info.name);
    const store = new EmbeddingStore(options.storeDir ?? join(commonsynthHome(), 'embeddings'));

    // 2. Prep + encode, cached by source sha1 and model. Only as many sources as the pairs
    // need are encoded, taken in a seeded random order; a file that fails is recorded and the
    // next one is taken instead, so one bad file never stops the run.
    const local = localExecutor(model, store);
    const executor: RunExecutor = options.executor
      ? await options.executor({ model: model.info, modelKey: key, store, local })
      : local;
    closeExecutor = executor.close?.bind(executor);
    let encodedReused = 0;
    const encoded: { source: RunSourceFile; embedding: Embedding }[] = [];
    const wanted = Math.min(sources.length, 2 * pairsCount);
    const order = createRng(deriveSeed(seed, 'sources')).shuffle(sources);
    await timed('encode', async () => {
      // Up to `parallelism` encodes in flight, consumed in the seeded order: a failure starts the
      // next source, as the one-at-a-time loop would, so every executor picks the same sources.
      const inFlight: { source: RunSourceFile; result: Promise<unknown> }[] = [];
      let next = 0;
      const settle = (source: RunSourceFile) => {
        const result = executor.encode({ source, storeKey: matchedKey(key) }).then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        return { source, result };
      };
      while (encoded.length < wanted) {
        while (
          inFlight.length < executor.parallelism &&
          encoded.length + inFlight.length < wanted &&
          next < order.length
        ) {
          inFlight.push(settle(order[next++]));
        }
        const head = inFlight.shift();
        if (!head) break;
        emit({
          type: 'progress',
          stage: 'encode',
          done: encoded.length,
          total: wanted,
          label: head.source.path,
        });
        const outcome = (await head.result) as
          | { ok: true; value: { embedding: Embedding; reused: boolean } }
          | { ok: false; error: unknown };
        if (outcome.ok) {
          if (outcome.value.reused) encodedReused++;
          encoded.push({ source: head.source, embedding: outcome.value.embedding });
        } else {
          failures.push({
            stage: 'encode',
            file: head.source.path,
            error: describeError(outcome.error),
          });
        }
      }
      emit({ type: 'progress', stage: 'encode', done: wanted, total: wanted });
    });

    if (options.source.kind === 'commons') {
      recordDatasetStatus(options.source.dataDir, [
        ...encoded.map(({ source }) => ({ sha1: source.sha1, status: 'encoded' as const })),
        ...failures.flatMap((f) => {
          const source = sources.find((s) => s.path === f.file);
          return source ? [{ sha1: source.sha1, status: 'failed' as const, reason: f.error }] : [];
        }),
      ]);
    }

    // 3. Pairs and mashup recipes (re-derived from the seed every run: exact and cheap).
    const recipes = await timed('mashup', async () => {
      const pairs = choosePairs(encoded.length, pairsCount, seed);
      const made: { recipe: Recipe; embedding: Embedding; pair: RunSourceFile[] }[] = [];
      for (const [i, [a, b]] of pairs.entries()) {
        const chosen = [encoded[a], encoded[b]];
        const recipe = createRecipe(
          chosen.map(({ source, embedding }) => ({
            embedding,
            kind: 'audio' as const,
            path: source.path,
            sha1: source.sha1,
          })),
          {
            seed: deriveSeed(seed, `clip ${i}`),
            model: { name: model.info.name },
            lengthSeconds: clipSeconds,
            // The default fit (pingpong) reads a short source back and forth without a seam.
            loudnessLufs: SOURCE_LOUDNESS_LUFS,
          },
        );
        const embedding = renderRecipeWith(
          recipe,
          chosen.map((c) => c.embedding),
        );
        await saveRecipe(join(clipsDir, `${clipName(i)}.recipe.json`), recipe);
        made.push({ recipe, embedding, pair: chosen.map((c) => c.source) });
      }
      return made;
    });

    // 4. Synth: every clip whose audio is missing or stale, in one batch.
    const clipReports: ClipReport[] = [];
    const clipAudio: Float32Array[] = new Array(recipes.length);
    await timed('synth', async () => {
      // A clip is reused when its audio exists for the same recipe, model and temperature.
      const hashes = recipes.map(({ recipe }) =>
        sha1Hex(JSON.stringify({ recipe, model: key, temperature: options.temperature })),
      );
      const todo: number[] = [];
      for (const i of recipes.keys()) {
        const wavPath = join(clipsDir, `${clipName(i)}.wav`);
        const meta = await readJson<ClipMeta>(join(clipsDir, `${clipName(i)}.meta.json`));
        if (meta?.recipeHash === hashes[i] && existsSync(wavPath)) {
          clipAudio[i] = (await readWav(wavPath)).channels[0];
        } else {
          todo.push(i);
        }
      }
      // Bounded batches (RUN_SYNTH_BATCH), each clip written as soon as its batch is done: a
      // killed run keeps every finished batch, and the interrupted one (the first still to do
      // on the next run, with the same clips) resumes from its state file. The state file is
      // named after the batch's job (its clips' recipe hashes, which cover the recipe, model and
      // temperature, and the seed), so a run with other options never trips over the state a
      // killed run left: that state is stale and removed, with a notice.
      const statePath = (batch: readonly number[]): string =>
        join(
          outDir,
          `.synth-${sha1Hex(JSON.stringify({ clips: batch.map((i) => hashes[i]), seed })).slice(0, 16)}.state`,
        );
      const current = todo.length > 0 ? statePath(todo.slice(0, RUN_SYNTH_BATCH)) : undefined;
      for (const stale of await staleSynthStates(outDir, current)) {
        await rm(join(outDir, stale), { force: true });
        emit({
          type: 'notice',
          stage: 'synth',
          message: `removed ${join(outDir, stale)}: synthesis state of an earlier run with other options, which cannot be resumed by this one`,
        });
      }
      for (let from = 0; from < todo.length; from += RUN_SYNTH_BATCH) {
        const batch = todo.slice(from, from + RUN_SYNTH_BATCH);
        const audio = await executor.synth({
          embeddings: batch.map((i) => recipes[i].embedding),
          // Each clip draws by its own name, so it sounds the same whatever else is in the batch.
          streamNames: batch.map(clipName),
          hashes: batch.map((i) => hashes[i]),
          decode: {
            seed: deriveSeed(seed, 'synth'),
            temperature: options.temperature,
            checkpoint: {
              path: statePath(batch),
              everySeconds: options.checkpointSeconds ?? 10,
            },
            signal: options.signal,
            onProgress: (done, total) =>
              emit({
                type: 'progress',
                stage: 'synth',
                done: from + (total > 0 ? (done / total) * batch.length : 0),
                total: todo.length,
              }),
          },
        });
        for (const [j, i] of batch.entries()) {
          clipAudio[i] = audio[j];
          await writeWav(join(clipsDir, `${clipName(i)}.wav`), audio[j], model.info.sampleRate, {
            format: 'float32',
          });
          await writeJson(join(clipsDir, `${clipName(i)}.meta.json`), { recipeHash: hashes[i] });
        }
      }
      for (const [i, { pair }] of recipes.entries()) {
        clipReports.push({
          file: relative(outDir, join(clipsDir, `${clipName(i)}.wav`)),
          recipe: relative(outDir, join(clipsDir, `${clipName(i)}.recipe.json`)),
          sources: pair.map((s) => s.path),
          seconds: clipAudio[i].length / model.info.sampleRate,
          reused: !todo.includes(i),
          loudnessLufs: null,
          gainDb: 0,
        });
      }
    });

    // 5. Sequence.
    const trackFile = `track.${options.format ?? 'wav'}`;
    const trackPath = join(outDir, trackFile);
    const track = await timed('sequence', async () => {
      const sequenced = sequenceTrack(clipAudio, {
        lengthSeconds,
        seed: deriveSeed(seed, 'sequence'),
        sampleRate: model.info.sampleRate,
        loudnessLufs: targetLufs,
      });
      for (const [i, clip] of sequenced.loudness.clips.entries()) {
        clipReports[i].loudnessLufs = finiteOrNull(clip.lufs);
        clipReports[i].gainDb = clip.gainDb;
      }
      return sequenced;
    });

    // 6. Credits: the track, and each clip.
    const modelCredit = await readModelCredit(model);
    await timed('credits', async () => {
      const usedSources = new Map<string, RunSourceFile>();
      for (const { pair } of recipes) for (const s of pair) usedSources.set(s.sha1, s);
      const trackCredits: Credits = buildCredits({
        work: trackFile,
        sources: [...usedSources.values()].map((s) => s.credit),
        model: modelCredit,
        seed,
        recipes: recipes.map((_, i) =>
          relative(outDir, join(clipsDir, `${clipName(i)}.recipe.json`)),
        ),
      });
      await writeCredits(outDir, trackCredits);
      // Written with the credits inside, so a track shared alone keeps its attribution.
      await writeAudioFile(trackPath, track.audio, track.sampleRate, {
        format: options.format ?? 'wav',
        metadata: creditsMetadata(trackCredits),
      });
      for (const [i, { pair }] of recipes.entries()) {
        const clipCredits = buildCredits({
          work: `${clipName(i)}.wav`,
          sources: pair.map((s) => s.credit),
          model: modelCredit,
          seed: recipes[i].recipe.seed,
          recipe: recipes[i].recipe,
        });
        await writeCredits(join(clipsDir, clipName(i)), clipCredits);
      }
    });

    const report: RunReport = {
      version: VERSION,
      options: {
        source: options.source,
        pairs: pairsCount,
        lengthSeconds,
        clipSeconds,
        seed,
        model: options.model ?? 'default',
      },
      model: { name: model.info.name, family: model.info.family, key },
      timings,
      counts: {
        sources: sources.length,
        encoded: encoded.length,
        encodedReused,
        clips: recipes.length,
        clipsReused: clipReports.filter((c) => c.reused).length,
        failed: failures.length,
      },
      failures,
      clips: clipReports,
      track: trackFile,
      trackSeconds: track.audio.length / track.sampleRate,
      trackLoudness: {
        targetLufs,
        integratedLufs: finiteOrNull(track.loudness.integratedLufs),
        loudnessRangeLu: track.loudness.loudnessRangeLu,
        truePeakDbtp: finiteOrNull(track.loudness.truePeakDbtp),
        shortTermSpreadLu: track.loudness.shortTermSpreadLu,
      },
      credits: 'credits.json',
    };
    await writeJson(join(outDir, 'run.json'), report);
    return report;
  } finally {
    await closeExecutor?.();
    await model.close();
  }
}

/**
 * Synthesis state files in `outDir` other than `keep`: `.synth-<job>.state` from runs with other
 * options, `.synth-state` from versions that used one name for every job, and the temporary
 * files a writer killed mid-save leaves (`….tmp-<pid>`).
 */
async function staleSynthStates(outDir: string, keep: string | undefined): Promise<string[]> {
  const names = await readdir(outDir);
  return names.filter(
    (name) =>
      /^\.synth-(state|[0-9a-f]{16}\.state)(\.tmp-\d+)?$/.test(name) &&
      (keep === undefined || join(outDir, name) !== keep),
  );
}

async function readModelCredit(model: Autoencoder) {
  const config = await readJson<{ name?: string; version?: string; credits?: unknown }>(
    join(model.info.dir, 'config.json'),
  );
  return {
    name: config?.name ?? model.info.name,
    version: config?.version,
    credits: config?.credits,
  };
}
