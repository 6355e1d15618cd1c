import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { type TrainerRecord, trainModel } from '../../model/trainer.js';
import { createProgress } from '../progress.js';
import { parseNonNegative, parseOptionalNumber, THREADS } from './parse.js';

interface TrainCliOptions {
  data?: string[];
  name: string;
  family?: string;
  preset?: string;
  minutes: string;
  run?: string;
  device?: string;
  threads?: string;
  seed?: string;
  set?: string[];
  init?: string;
  melWeight?: string;
  themeWeight?: string[];
  modelVersion?: string;
  json?: boolean;
  verbose?: boolean;
}

function describeRecord(r: TrainerRecord): string | undefined {
  if (r.event === 'start') {
    return `training ${String(r.family)}: ${String(r.train_files)} files (${Number(r.train_seconds).toFixed(0)} s of audio), ${String(r.val_files)} held out, ${String(r.params)} parameters`;
  }
  if (r.event === 'resume') return `resuming at step ${String(r.step)}`;
  if (r.event === 'val') {
    const v = r.val as { stft?: number; logMelL1Db?: number } | undefined;
    return `validation at step ${String(r.step)}: STFT ${v?.stft?.toFixed(3)}, log-mel ${v?.logMelL1Db?.toFixed(2)} dB${r.best ? ' (best so far)' : ''}`;
  }
  return undefined;
}

/** ["nature=2"] → { nature: 2 }; a malformed entry is a usage error naming it. */
export function parseThemeWeights(items: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    const [theme, value, ...rest] = item.split('=');
    const weight = Number(value);
    if (!theme || value === undefined || value === '' || rest.length > 0 || !(weight >= 0)) {
      throw new UsageError(`--theme-weight ${item}: expected THEME=WEIGHT with a weight >= 0`);
    }
    out[theme] = weight;
  }
  return out;
}

export function register(program: Command): void {
  program
    .command('train')
    .description(
      'train (or resume) a model with the Python trainer (PyTorch), then register it under --name',
    )
    .requiredOption('--name <name>', 'name to register the model under (use with --model NAME)')
    .option(
      '--data <dirs...>',
      'folders of 16 kHz mono WAV (`commonsynth prep` output; theme = sub-folder)',
    )
    .option('--family <family>', 'parallel-ae (default) or wavenet-ae')
    .option('--preset <preset>', 'hyperparameter preset of the family')
    .option('--minutes <n>', 'wall-clock budget of this run', '10')
    .option(
      '--run <dir>',
      'run folder (checkpoints, log); default $COMMONSYNTH_HOME/runs/<name>; the same folder resumes',
    )
    .option('--device <device>', 'torch device: cpu, cuda, cuda:1 …')
    .option('--threads <n>', 'torch CPU threads (default 2)')
    .option('--seed <n>', 'seed of crops, split and initialisation')
    .option(
      '--set <key=json>',
      'override a hyperparameter, e.g. --set channels=64 (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--init <path>',
      'start from a trainer checkpoint (.pt) of the same hyperparameters, or (wavenet-ae) a model package',
    )
    .option(
      '--mel-weight <w>',
      "add w x the quality measure's log-mel L1 (dB/10) to the loss (parallel-ae; default 0)",
    )
    .option(
      '--theme-weight <theme=w>',
      "draw that theme's crops w times as often (repeatable), e.g. --theme-weight nature=2",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--model-version <v>', 'version string written into the package')
    .option('--json', 'print the result as JSON')
    .option('--verbose', "show the trainer's Python tracebacks as they happen")
    .argument('[trainerArgs...]', 'after --: more options for `python3 -m train train`')
    .action(async (trainerArgs: string[], options: TrainCliOptions) => {
      if (options.family && options.family !== 'parallel-ae' && options.family !== 'wavenet-ae') {
        throw new UsageError(`--family must be parallel-ae or wavenet-ae, got ${options.family}`);
      }
      const minutes = parseNonNegative(options.minutes, '--minutes') ?? 10;
      const progress = createProgress('train', { unit: 's', total: Math.ceil(minutes * 60) });
      const started = Date.now();
      let shown = 0;
      const result = await trainModel({
        data: options.data ?? [],
        name: options.name,
        family: options.family as 'parallel-ae' | 'wavenet-ae' | undefined,
        preset: options.preset,
        minutes,
        runDir: options.run,
        device: options.device,
        threads: parseOptionalNumber(options.threads, '--threads', THREADS),
        seed: parseNonNegative(options.seed, '--seed', true),
        set: options.set,
        init: options.init,
        melWeight: parseNonNegative(options.melWeight, '--mel-weight'),
        themeWeights: parseThemeWeights(options.themeWeight ?? []),
        version: options.modelVersion,
        extraArgs: trainerArgs,
        onRecord: (r) => {
          const seconds = Math.floor((Date.now() - started) / 1000);
          const label =
            typeof r.loss === 'number' ? `step ${String(r.step)} loss ${r.loss.toFixed(4)}` : '';
          if (seconds > shown) {
            progress.tick(seconds - shown, label);
            shown = seconds;
          }
          const line = describeRecord(r);
          if (line) process.stderr.write(`${line}\n`);
        },
        onLog: (line) => process.stderr.write(`${line}\n`),
        verbose: options.verbose,
      });
      progress.stop();
      const out = {
        name: result.model?.name ?? options.name,
        path: result.packageDir,
        runDir: result.runDir,
        python: result.python.python,
        torch: result.python.torchVersion,
        summary: result.summary ?? null,
      };
      if (options.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      else {
        process.stdout.write(
          `trained and registered "${out.name}" at ${out.path}\nuse it with --model ${out.name}; run folder (resume by training again): ${out.runDir}\n`,
        );
      }
    });
}
