import type { Command } from 'commander';
import { AUDIO_FORMATS, type AudioFormat, parseAudioFormat } from '../../audio/index.js';
import { UsageError } from '../../errors.js';
import type { Precision } from '../../model/wavenet/decoder-graph.js';
import { synthFiles } from '../../model/wavenet/jobs.js';
import { loadSynthInput } from '../../pipeline/synth-inputs.js';
import { EXIT_FAILED, formatFileJob } from '../output.js';
import { createProgress, type Progress } from '../progress.js';
import { POSITIVE, parseNonNegative, parseOptionalNumber, TEMPERATURE, THREADS } from './parse.js';

interface SynthCliOptions {
  model?: string;
  out: string;
  seed?: string;
  temperature?: string;
  threads?: string;
  chunkSeconds?: string;
  checkpointSeconds?: string;
  precision?: string;
  json?: boolean;
  format: AudioFormat;
}

function parsePrecision(value: string | undefined): Precision | undefined {
  if (value === undefined || value === 'fp32' || value === 'int8') return value;
  throw new UsageError(`--precision must be fp32 or int8, got ${value}`);
}

export function register(program: Command): void {
  program
    .command('synth')
    .description(
      'generate audio from embedding files (.npy [frames, dims]) and mashup recipes (.json), all in one batch; writes gen_<name>.wav. ' +
        'Resumable: after a kill or Ctrl-C, run the same command again',
    )
    .argument('<inputs...>', '.npy embedding files and/or mashup recipe .json files')
    .requiredOption('--out <dir>', 'output folder (also holds the resumable state while running)')
    .option('--model <model>', 'model name or package folder (default: the shipped model)')
    .option('--seed <n>', 'sampler seed: the same seed gives the same audio (default 0)')
    .option(
      '--temperature <t>',
      'sampling temperature (default 1; 0 = always the most likely sample)',
    )
    .option('--threads <n>', 'ONNX Runtime threads (default: one per core)')
    .option(
      '--chunk-seconds <s>',
      'split long sounds into chunks of about S seconds generated as one batch (0 = off)',
      '0',
    )
    .option('--checkpoint-seconds <s>', 'seconds between saves of the resumable state', '60')
    .option(
      '--precision <p>',
      'wavenet-ae decoder weights: fp32 (exact) or int8 (faster, approximate)',
    )
    .option(
      '--format <format>',
      `output file format: ${AUDIO_FORMATS.join(', ')}`,
      (v: string) => parseAudioFormat(v),
      'wav' as AudioFormat,
    )
    .option('--json', 'print the result as JSON')
    .action(async (inputs: string[], options: SynthCliOptions) => {
      const checkpointSeconds = parseOptionalNumber(
        options.checkpointSeconds,
        '--checkpoint-seconds',
        POSITIVE,
      );
      let progress: Progress | undefined;
      let base = 0;
      let shown = 0;
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once('SIGINT', onSigint);
      try {
        const result = await synthFiles(inputs, {
          outDir: options.out,
          model: options.model,
          loadInput: loadSynthInput,
          threads: parseOptionalNumber(options.threads, '--threads', THREADS),
          seed: parseNonNegative(options.seed, '--seed', true),
          temperature: parseOptionalNumber(options.temperature, '--temperature', TEMPERATURE),
          chunkSeconds: parseNonNegative(options.chunkSeconds, '--chunk-seconds'),
          checkpointSeconds,
          precision: parsePrecision(options.precision),
          signal: controller.signal,
          format: options.format,
          onStart: ({ statePath, resuming }) => {
            if (resuming) process.stderr.write(`resuming from ${statePath}\n`);
          },
          onProgress: (done, total) => {
            if (progress === undefined) {
              // The bar counts from the first report, so a resumed job's rate and ETA are honest.
              base = done;
              if (done > total / 1000) {
                process.stderr.write(
                  `resuming: ${((100 * done) / total).toFixed(1)}% already done\n`,
                );
              }
              progress = createProgress('synth', { unit: 'samples', total: total - base });
            }
            progress.tick(done - base - shown);
            shown = done - base;
          },
        });
        progress?.stop();
        progress = undefined;
        process.stdout.write(
          options.json
            ? `${JSON.stringify(result, null, 2)}\n`
            : `${formatFileJob('synthesised', result)}\n`,
        );
        if (result.failures.length > 0) process.exitCode = EXIT_FAILED;
      } finally {
        progress?.stop();
        process.removeListener('SIGINT', onSigint);
      }
    });
}
