import { join } from 'node:path';
import type { Command } from 'commander';
import { AUDIO_FORMATS, type AudioFormat, parseAudioFormat } from '../../audio/index.js';
import { resolveContact } from '../../commons/contact.js';
import { type CurateConfig, findConfigFile, loadCurateConfig } from '../../dataset/themes.js';
import { UsageError } from '../../errors.js';
import { commonsynthHome } from '../../model/registry.js';
import { type RunEvent, type RunReport, runPipeline } from '../../pipeline/run.js';
import type { RunSource } from '../../pipeline/sources.js';
import { queueExecutor } from '../../queue/index.js';
import { EXIT_FAILED } from '../output.js';
import { createProgress, type Progress } from '../progress.js';
import {
  numberOption,
  POSITIVE_INTEGER,
  parseCount,
  parsePositive,
  TEMPERATURE,
  THREADS,
} from './parse.js';

interface RunFlags {
  theme?: string;
  category?: string[];
  source?: string;
  data?: string;
  contact?: string;
  api?: string;
  depth?: number;
  limit?: number;
  pairs: number;
  length: number;
  clipLength?: number;
  seed: number;
  model?: string;
  temperature?: number;
  threads?: number;
  checkpointSeconds?: number;
  out: string;
  json?: boolean;
  format: AudioFormat;
  loudness?: number;
  queue?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The run's share of work per stage, for one overall progress bar. */
const STAGE_WEIGHTS: Record<string, [number, number]> = {
  sources: [0, 2],
  encode: [2, 20],
  mashup: [20, 22],
  synth: [22, 96],
  sequence: [96, 99],
  credits: [99, 100],
};

function runProgress(enabled: boolean | undefined): { onEvent(e: RunEvent): void; stop(): void } {
  const bar: Progress = createProgress('run', { unit: '%', total: 100, enabled });
  let shown = 0;
  const moveTo = (percent: number, label: string): void => {
    const target = Math.min(100, Math.floor(percent));
    bar.tick(Math.max(0, target - shown), label);
    shown = Math.max(shown, target);
  };
  return {
    onEvent(event) {
      if (event.type === 'notice') {
        process.stderr.write(`\n${event.message}\n`);
        return;
      }
      const [from, to] = STAGE_WEIGHTS[event.stage];
      if (event.type === 'stage') moveTo(from, event.stage);
      else if (event.total > 0)
        moveTo(from + ((to - from) * event.done) / event.total, event.stage);
    },
    stop() {
      bar.stop();
    },
  };
}

function summary(report: RunReport, outDir: string): string {
  const c = report.counts;
  const lines = [
    `track: ${join(outDir, report.track)} (${report.trackSeconds.toFixed(2)} s)`,
    `clips: ${c.clips} (${c.clipsReused} reused), sources: ${c.sources}, encoded: ${c.encoded} (${c.encodedReused} from the store)`,
    `credits: ${join(outDir, 'CREDITS.txt')}`,
    `model: ${report.model.name} (${report.model.family})`,
    `timings: ${Object.entries(report.timings)
      .map(([stage, s]) => `${stage} ${s.toFixed(1)} s`)
      .join(', ')}`,
  ];
  for (const f of report.failures) lines.push(`  failed (${f.stage}): ${f.file}: ${f.error}`);
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('run')
    .description(
      'the main job: sounds → prep → encode → random pairs → mashup → synth → track + credits (cached, resumable)',
    )
    .option(
      '--theme <name>',
      'curate a Commons theme (music, nature, human, animal, interior, exterior)',
    )
    .option('--category <title>', 'curate Commons categories instead (repeatable)', collect)
    .option('--source <dir>', 'use a local folder of sounds (credits from its manifest.csv)')
    .option('--data <dir>', 'dataset folder for Commons downloads (default $COMMONSYNTH_HOME/data)')
    .option(
      '--contact <address>',
      'your contact for the Commons User-Agent (or COMMONSYNTH_CONTACT)',
    )
    .option('--api <url>', 'MediaWiki Action API endpoint (default: Commons)')
    .option('--depth <n>', 'subcategory levels to walk', parseCount('--depth'))
    .option('--limit <n>', 'take at most this many Commons files', parseCount('--limit'))
    .option(
      '--pairs <n>',
      'mashup clips, one per random pair of sounds',
      numberOption('--pairs', POSITIVE_INTEGER),
      4,
    )
    .option('--length <seconds>', 'track length', parsePositive('--length'), 60)
    .option('--clip-length <seconds>', 'length of each clip', parsePositive('--clip-length'))
    .option(
      '--seed <n>',
      'seed: the same seed and inputs give the same track',
      parseCount('--seed'),
      0,
    )
    .option('--model <name|dir>', 'model package (default: the shipped default model)')
    .option(
      '--temperature <t>',
      'sampling temperature (WaveNet models)',
      numberOption('--temperature', TEMPERATURE),
    )
    .option('--threads <n>', 'ONNX Runtime threads', numberOption('--threads', THREADS))
    .option(
      '--checkpoint-seconds <s>',
      'save synthesis state this often, for resuming after a kill (default 10)',
      parsePositive('--checkpoint-seconds'),
    )
    .requiredOption('--out <dir>', 'output folder (track.wav, clips/, credits, run.json)')
    .option(
      '--loudness <lufs>',
      'integrated loudness of the clips in the track, LUFS (true peak kept under -1 dBTP)',
      (value: string) => {
        const n = Number(value);
        if (value.trim() === '' || !Number.isFinite(n) || n > 0) {
          throw new UsageError(`--loudness must be a number of LUFS <= 0, got ${value}`);
        }
        return n;
      },
      -16,
    )
    .option(
      '--format <format>',
      `track file format: ${AUDIO_FORMATS.join(', ')} (credits inside the file too)`,
      (v: string) => parseAudioFormat(v),
      'wav' as AudioFormat,
    )
    .option('--queue <url>', 'fan encode and synth out to `commonsynth worker`s on this Redis')
    .option('--json', 'print the run report as JSON')
    .action(async (flags: RunFlags) => {
      const chosen = [flags.theme, flags.category, flags.source].filter((x) => x !== undefined);
      if (chosen.length !== 1) {
        throw new UsageError(
          'say where the sounds come from: one of --theme, --category or --source',
        );
      }
      let source: RunSource;
      if (flags.source !== undefined) {
        source = { kind: 'folder', dir: flags.source };
      } else {
        const dataDir = flags.data ?? join(commonsynthHome(), 'data');
        const configFile = findConfigFile(dataDir);
        const config: CurateConfig = configFile ? loadCurateConfig(configFile) : {};
        let contact: string;
        try {
          contact = resolveContact({
            flag: flags.contact,
            env: process.env,
            config: config.contact,
          });
        } catch (error) {
          throw new UsageError(
            `${(error as Error).message}\n(or work offline on local sounds: commonsynth run --source DIR --out DIR)`,
          );
        }
        source = {
          kind: 'commons',
          dataDir,
          theme: flags.theme,
          categories: flags.category,
          contact,
          apiUrl: flags.api,
          depth: flags.depth,
          limit: flags.limit,
          config,
        };
      }
      const progress = runProgress(flags.json ? false : undefined);
      let report: RunReport;
      try {
        report = await runPipeline({
          source,
          outDir: flags.out,
          pairs: flags.pairs,
          lengthSeconds: flags.length,
          clipSeconds: flags.clipLength,
          seed: flags.seed,
          model: flags.model,
          temperature: flags.temperature,
          threads: flags.threads,
          checkpointSeconds: flags.checkpointSeconds,
          format: flags.format,
          loudnessLufs: flags.loudness,
          onEvent: progress.onEvent,
          executor: flags.queue === undefined ? undefined : queueExecutor({ url: flags.queue }),
        });
      } finally {
        progress.stop();
      }
      process.stdout.write(
        flags.json ? `${JSON.stringify(report, null, 2)}\n` : summary(report, flags.out),
      );
      if (report.failures.length > 0) process.exitCode = EXIT_FAILED;
    });
}
