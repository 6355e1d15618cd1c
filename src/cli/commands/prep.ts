import { basename } from 'node:path';
import type { Command } from 'commander';
import {
  formatPrepSummary,
  type PrepNormalize,
  type PrepSampleFormat,
  prepFiles,
} from '../../audio/prep.js';
import { RESAMPLE_QUALITIES, type ResampleQuality } from '../../audio/resample.js';
import { EXIT_FAILED } from '../output.js';
import { createProgress, type Progress } from '../progress.js';
import { parseChoice, parseNumber } from './parse.js';

interface PrepCliOptions {
  out: string;
  rate: string;
  normalize: string;
  format: string;
  quality: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('prep')
    .description('decode audio files and folders (recursively) to mono WAV at one sample rate')
    .argument('<inputs...>', 'audio files or folders')
    .requiredOption('-o, --out <dir>', 'output folder (the inputs’ folder structure is mirrored)')
    .option('-r, --rate <hz>', 'output sample rate', '16000')
    .option('--normalize <mode>', 'peak (to −1 dBFS) or none', 'none')
    .option('--format <format>', 'pcm16 or float32', 'pcm16')
    .option('--quality <quality>', `resampler: ${RESAMPLE_QUALITIES.join(', ')}`, 'polyphase')
    .option('--json', 'print one JSON summary object instead of text')
    .action(async (inputs: string[], options: PrepCliOptions) => {
      const rate = parseNumber(options.rate, '--rate', { integer: true, min: 1000, max: 384000 });
      const normalize = parseChoice<PrepNormalize>(options.normalize, '--normalize', [
        'peak',
        'none',
      ]);
      const format = parseChoice<PrepSampleFormat>(options.format, '--format', [
        'pcm16',
        'float32',
      ]);
      const quality = parseChoice<ResampleQuality>(
        options.quality,
        '--quality',
        RESAMPLE_QUALITIES,
      );
      let progress: Progress | undefined;
      const summary = await prepFiles(inputs, {
        outDir: options.out,
        sampleRate: rate,
        normalize,
        format,
        quality,
        onProgress: ({ completed, total, result }) => {
          if (completed === 0) {
            progress = createProgress('prep', { unit: 'files', total });
            return;
          }
          progress?.tick(1, result ? basename(result.input) : '');
        },
      }).finally(() => progress?.stop());
      process.stdout.write(
        options.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatPrepSummary(summary)}\n`,
      );
      if (summary.failed > 0) process.exitCode = EXIT_FAILED;
    });
}
