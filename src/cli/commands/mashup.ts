import type { Command } from 'commander';
import { describeError, UsageError } from '../../errors.js';
import type { FadeShape } from '../../mashup/index.js';
import {
  FADE_SHAPES,
  FIT_MODES,
  type FitMode,
  framesToSeconds,
  isEmbeddingPath,
  MIX_MODES,
  type MixMode,
  mashupFiles,
  type SourceEncoder,
} from '../../mashup/index.js';
import { POSITIVE, parseChoice, parseNumber, parseRange, parseSeed } from './parse.js';

interface MashupCliOptions {
  out: string;
  seed: string;
  length?: string;
  fade: string;
  mix: string;
  noise: string;
  interval: string;
  fadeLength: string;
  stretch?: string;
  offsets: string;
  fit: string;
  loudness?: string;
  model?: string;
}

function parseStretch(value: string | undefined, sources: number): number | number[] | undefined {
  if (value === undefined) return undefined;
  const factors = value.split(',').map((v) => parseNumber(v, '--stretch', POSITIVE));
  if (factors.length === 1) return factors[0];
  if (factors.length !== sources) {
    throw new UsageError(`--stretch has ${factors.length} factors for ${sources} sources`);
  }
  return factors;
}

/** Opens the model for audio sources through the model stage's public API, or says why not. */
function encoderOpener(
  model: string | undefined,
  audioInput: string,
): () => Promise<SourceEncoder> {
  return async () => {
    try {
      const { openAutoencoder } = await import('../../model/index.js');
      return await openAutoencoder(model);
    } catch (error) {
      throw new UsageError(
        `${audioInput} is audio and no model could be opened to encode it (${describeError(error)}); ` +
          'encode it first with `commonsynth encode` and pass the _embeddings.npy',
      );
    }
  };
}

export function register(program: Command): void {
  program
    .command('mashup')
    .description(
      'cross-fade two or more embeddings at random intervals (seeded) and write the recipe and the mixed _embeddings.npy',
    )
    .argument('<sources...>', '_embeddings.npy files (or audio files, when a model is available)')
    .requiredOption(
      '--out <recipe.json>',
      'recipe file to write; the mixed embeddings go beside it',
    )
    .option('--seed <n>', 'seed of every random choice', '0')
    .option('--length <seconds>', 'output length (default: the shortest source)')
    .option('--fade <shape>', `fade shape: ${FADE_SHAPES.join(', ')}`, 'raised-cosine')
    .option('--mix <mode>', `mixing: ${MIX_MODES.join(', ')}`, 'linear')
    .option('--noise <amount>', 'latent noise, in units of the sources’ per-dimension spread', '0')
    .option('--interval <min:max>', 'seconds one source plays alone between fades', '1:3')
    .option('--fade-length <min:max>', 'seconds each fade lasts', '0.5:2')
    .option('--stretch <f[,f…]>', 'time-stretch factor for all sources, or one per source')
    .option('--offsets <mode>', 'segment offsets: random or start', 'random')
    .option('--fit <mode>', `sources shorter than the output: ${FIT_MODES.join(', ')}`, 'pingpong')
    .option('--loudness <dbfs>', 'match audio sources to this loudness before encoding')
    .option('--model <model>', 'model of the embeddings (name recorded; used to encode audio)')
    .action(async (inputs: string[], options: MashupCliOptions) => {
      if (inputs.length < 2) throw new UsageError('a mashup needs at least two sources');
      const audio = inputs.find((p) => !isEmbeddingPath(p));
      const result = await mashupFiles(inputs, {
        out: options.out,
        seed: parseSeed(options.seed),
        lengthSeconds:
          options.length === undefined
            ? undefined
            : parseNumber(options.length, '--length', POSITIVE),
        shape: parseChoice<FadeShape>(options.fade, '--fade', FADE_SHAPES),
        mix: parseChoice<MixMode>(options.mix, '--mix', MIX_MODES),
        noise: parseNumber(options.noise, '--noise', { min: 0 }),
        holdSeconds: parseRange(options.interval, '--interval'),
        fadeSeconds: parseRange(options.fadeLength, '--fade-length'),
        stretch: parseStretch(options.stretch, inputs.length),
        offsets: parseChoice(options.offsets, '--offsets', ['random', 'start'] as const),
        fit: parseChoice<FitMode>(options.fit, '--fit', FIT_MODES),
        loudnessDbfs:
          options.loudness === undefined
            ? undefined
            : parseNumber(options.loudness, '--loudness', { max: 0 }),
        modelName: options.model,
        openEncoder: audio ? encoderOpener(options.model, audio) : undefined,
      });
      const { recipe } = result;
      const fades = recipe.weights.type === 'crossfade' ? recipe.weights.fades.length : 0;
      process.stdout.write(
        [
          `recipe: ${result.recipePath}`,
          `embeddings: ${result.embeddingPath} (${recipe.frames} frames, ${framesToSeconds(recipe.frames, recipe.timing).toFixed(2)} s)`,
          `${recipe.sources.length} sources, ${fades} fades (${recipe.weights.type === 'crossfade' ? recipe.weights.shape : 'keyframes'}), ${recipe.mix} mixing, seed ${recipe.seed}`,
          ...recipe.sources.map(
            (s, i) =>
              `  ${i}: ${s.path ?? s.sha1} from frame ${s.offset}${s.stretch !== 1 ? `, stretch ${s.stretch}` : ''}`,
          ),
        ].join('\n') + '\n',
      );
    });
}
