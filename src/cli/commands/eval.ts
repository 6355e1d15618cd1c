import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import {
  type AnchorSpec,
  collectAudioFiles,
  type EvalReport,
  evaluateModel,
  type GroupSummary,
  type ListeningSummary,
  type ModelSplit,
  parseAnchors,
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
  anchor?: string;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)];
}

const na = (v: number | null, digits: number): string => (v === null ? 'n/a' : v.toFixed(digits));

/**
 * The human-readable report: per theme and overall, first the two distances (model, each codec
 * anchor, then the noise and silence baselines), then the listening measures (the original's own
 * value, the model's, each anchor's).
 */
export function formatEvalReport(report: EvalReport): string {
  const groups: Array<[string, GroupSummary]> = Object.entries(report.themes);
  if (report.overall) groups.push(['overall', report.overall]);
  const anchors = Object.keys(report.overall?.anchors ?? {});
  const distanceHeader = [
    'THEME',
    'CLIPS',
    'STFT model',
    ...anchors,
    'noise',
    'silence',
    'LOG-MEL dB model',
    ...anchors,
    'noise',
    'silence',
  ];
  const distanceRows = groups.map(([name, g]) => [
    name,
    String(g.clips),
    g.model.stft.toFixed(3),
    ...anchors.map((a) => g.anchors[a].stft.toFixed(3)),
    g.noise.stft.toFixed(3),
    g.silence.stft.toFixed(3),
    g.model.logMelL1Db.toFixed(2),
    ...anchors.map((a) => g.anchors[a].logMelL1Db.toFixed(2)),
    g.noise.logMelL1Db.toFixed(2),
    g.silence.logMelL1Db.toFixed(2),
  ]);
  const outputs = (g: GroupSummary): ListeningSummary[] => [
    g.original,
    g.model.listening,
    ...anchors.map((a) => g.anchors[a].listening),
  ];
  const names = ['original', 'model', ...anchors];
  const listeningHeader = [
    'THEME',
    ...names.map((n, i) => (i === 0 ? `PERIODICITY ${n}` : n)),
    ...names.map((n, i) => (i === 0 ? `GRID SHARE ${n}` : n)),
    'PITCH KEPT voiced',
    ...names,
  ];
  const listeningRows = groups.map(([name, g]) => [
    name,
    ...outputs(g).map((l) => na(l.periodicity, 3)),
    ...outputs(g).map((l) => na(l.gridShare, 2)),
    String(g.original.voicedClips),
    ...outputs(g).map((l) => na(l.pitchKept, 2)),
  ]);
  const lines = [
    `model: ${report.model.name} (${report.model.family}) ${report.model.dir}`,
    'distances, lower is better; STFT = multi-resolution spectral convergence + log-magnitude distance',
    ...table(distanceHeader, distanceRows),
    '',
    'listening measures (docs/models.md "Measures"): periodicity (median over clips) and grid share (mean; chance 0.10) near the original\'s are good; pitch kept (mean over voiced clips) near 1 is good',
    ...table(listeningHeader, listeningRows),
  ];
  for (const f of report.failures) lines.push(`failed: ${f.file}: ${f.error}`);
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('eval')
    .description(
      "encode and decode audio with a model and score the reconstructions per theme (multi-resolution STFT, log-mel L1, frame periodicity, frame-grid peak share, pitch kept), next to the originals' own values, optional codec anchors and silence and -20 dB noise baselines",
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
    .option(
      '--anchor <list>',
      'also score the clips through codecs, e.g. opus:8k,opus:12k (needs ffmpeg with libopus)',
    )
    .option('--json', 'print the full report (every clip) as JSON')
    .action(async (originals: string[], options: EvalCliOptions) => {
      if (options.split !== undefined && options.split !== 'val' && options.split !== 'train') {
        throw new UsageError(`--split must be val or train, got ${options.split}`);
      }
      const split = options.split as ModelSplit | undefined;
      let anchors: AnchorSpec[] | undefined;
      try {
        anchors = options.anchor === undefined ? undefined : parseAnchors(options.anchor);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const files = split ? originals : await collectAudioFiles(originals);
      if (files.length === 0) throw new UsageError('no audio files found in the given paths');
      const progress = createProgress('eval', { unit: 'files', total: split ? 0 : files.length });
      const report = await evaluateModel(files, {
        split,
        anchors,
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
