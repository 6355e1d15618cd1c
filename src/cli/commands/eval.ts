import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import {
  collectAudioFiles,
  type EvalReport,
  evaluateModel,
  type GroupSummary,
  type ModelSplit,
} from '../../eval/index.js';
import { EXIT_FAILED } from '../output.js';
import { createProgress } from '../progress.js';
import { POSITIVE, parseNonNegative, parseOptionalNumber, TEMPERATURE, THREADS } from './parse.js';

interface EvalCliOptions {
  model?: string;
  manifest?: string;
  maxSeconds?: string;
  seed?: string;
  temperature?: string;
  threads?: string;
  json?: boolean;
  split?: string;
}

/** The human-readable report: one row per theme and overall, model next to both baselines. */
export function formatEvalReport(report: EvalReport): string {
  const header = [
    'THEME',
    'CLIPS',
    'STFT model',
    'noise',
    'silence',
    'LOG-MEL dB model',
    'noise',
    'silence',
    'BEATS NOISE',
  ];
  const row = (name: string, g: GroupSummary): string[] => [
    name,
    String(g.clips),
    g.model.stft.toFixed(3),
    g.noise.stft.toFixed(3),
    g.silence.stft.toFixed(3),
    g.model.logMelL1Db.toFixed(2),
    g.noise.logMelL1Db.toFixed(2),
    g.silence.logMelL1Db.toFixed(2),
    g.beatsNoise.stft && g.beatsNoise.logMel
      ? 'yes'
      : `no (${[!g.beatsNoise.stft && 'stft', !g.beatsNoise.logMel && 'log-mel'].filter(Boolean).join(', ')})`,
  ];
  const rows = Object.entries(report.themes).map(([t, g]) => row(t, g));
  if (report.overall) rows.push(row('overall', report.overall));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const lines = [
    `model: ${report.model.name} (${report.model.family}) ${report.model.dir}`,
    'lower is better; STFT = multi-resolution spectral convergence + log-magnitude distance',
    line(header),
    ...rows.map(line),
  ];
  for (const f of report.failures) lines.push(`failed: ${f.file}: ${f.error}`);
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('eval')
    .description(
      'encode and decode audio with a model and score the reconstructions (multi-resolution STFT, log-mel L1) per theme, next to silence and -20 dB noise baselines',
    )
    .argument(
      '<originals...>',
      'audio files or folders (theme = parent folder name); with --split, the data folders the model was trained on',
    )
    .option(
      '--split <split>',
      "score on the model's own held-out files (val) or training files (train), as its training.json lists them",
    )
    .option('--model <model>', 'model name or package folder (default: the shipped model)')
    .option('--manifest <file>', 'themes from a CSV (file, theme columns) or a dataset folder')
    .option('--max-seconds <n>', 'evaluate at most the first N seconds of each file')
    .option('--seed <n>', 'sampler seed (wavenet-ae models)')
    .option('--temperature <t>', 'sampling temperature (wavenet-ae models)')
    .option('--threads <n>', 'ONNX Runtime threads')
    .option('--json', 'print the full report (every clip) as JSON')
    .action(async (originals: string[], options: EvalCliOptions) => {
      if (options.split !== undefined && options.split !== 'val' && options.split !== 'train') {
        throw new UsageError(`--split must be val or train, got ${options.split}`);
      }
      const split = options.split as ModelSplit | undefined;
      const files = split ? originals : await collectAudioFiles(originals);
      if (files.length === 0) throw new UsageError('no audio files found in the given paths');
      const progress = createProgress('eval', { unit: 'files', total: split ? 0 : files.length });
      const report = await evaluateModel(files, {
        split,
        model: options.model,
        manifest: options.manifest,
        maxSeconds: parseOptionalNumber(options.maxSeconds, '--max-seconds', POSITIVE),
        threads: parseOptionalNumber(options.threads, '--threads', THREADS),
        decode: {
          seed: parseNonNegative(options.seed, '--seed', true),
          temperature: parseOptionalNumber(options.temperature, '--temperature', TEMPERATURE),
        },
        onFile: (_done, total, file) => {
          progress.setTotal(total);
          progress.tick(1, file);
        },
      });
      progress.stop();
      process.stdout.write(
        options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatEvalReport(report)}\n`,
      );
      if (report.failures.length > 0) process.exitCode = EXIT_FAILED;
    });
}
