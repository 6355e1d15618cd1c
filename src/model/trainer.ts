/**
 * Runs the Python trainer (train/, PyTorch) from TypeScript: finds a Python that has torch,
 * trains (or resumes) a run, exports it as a model package and registers the package by name.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { CommonsynthError, UsageError } from '../errors.js';
import {
  commonsynthHome,
  DEFAULT_MODEL_NAME,
  isValidModelName,
  packageRoot,
  type ResolvedModel,
  registerModel,
} from './registry.js';

/** No Python with PyTorch was found; the message says how to install one. */
export class TrainerUnavailableError extends CommonsynthError {
  constructor(message: string) {
    super('TRAINER_UNAVAILABLE', message);
  }
}

/**
 * The Python trainer exited with an error. The message ends with the trainer's own last line
 * (the exception, e.g. a DataError naming the file); `output` holds the end of its output,
 * traceback included.
 */
export class TrainerFailedError extends CommonsynthError {
  readonly output: string[];
  constructor(message: string, output: string[] = []) {
    super('TRAINER_FAILED', message);
    this.output = output;
  }
}

export const TORCH_INSTALL_HINT =
  'install PyTorch for Python 3: on Debian/Ubuntu `sudo apt-get install python3-torch python3-numpy` ' +
  '(then /usr/bin/python3 has it), elsewhere `pip install torch numpy`; ' +
  'or point $COMMONSYNTH_PYTHON at a Python that has torch';

export interface TorchPython {
  /** The interpreter to run. */
  python: string;
  pythonVersion: string;
  torchVersion: string;
}

interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
  spawnError?: Error;
}

function runCapture(command: string, args: string[], timeoutMs = 60_000): Promise<ProcessResult> {
  return new Promise((done) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', (spawnError) => done({ code: null, stdout, stderr, spawnError }));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Candidate interpreters, in order: $COMMONSYNTH_PYTHON, /usr/bin/python3 (Debian's torch lives there), python3 on PATH. */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  if (env.COMMONSYNTH_PYTHON) out.push(env.COMMONSYNTH_PYTHON);
  if (existsSync('/usr/bin/python3')) out.push('/usr/bin/python3');
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'python3'))) {
      out.push(join(dir, 'python3'));
      break;
    }
  }
  return [...new Set(out)];
}

const PROBE =
  'import sys, json\n' +
  'v = "%d.%d" % sys.version_info[:2]\n' +
  'try:\n' +
  '    import torch, numpy\n' +
  '    print(json.dumps({"python": v, "torch": torch.__version__}))\n' +
  'except Exception as e:\n' +
  '    print(json.dumps({"python": v, "error": "%s: %s" % (type(e).__name__, e)}))\n';

/**
 * The first candidate Python (see pythonCandidates) that imports torch and numpy.
 * Throws TrainerUnavailableError with install instructions when there is none.
 */
export async function findTorchPython(candidates = pythonCandidates()): Promise<TorchPython> {
  const tried: string[] = [];
  for (const python of candidates) {
    const result = await runCapture(python, ['-c', PROBE]);
    if (result.spawnError || result.code !== 0) {
      tried.push(`${python}: cannot run (${result.spawnError?.message ?? result.stderr.trim()})`);
      continue;
    }
    let probe: { python: string; torch?: string; error?: string };
    try {
      probe = JSON.parse(result.stdout.trim().split('\n').pop() ?? '');
    } catch {
      tried.push(`${python}: unexpected output ${JSON.stringify(result.stdout.slice(0, 80))}`);
      continue;
    }
    if (probe.torch) return { python, pythonVersion: probe.python, torchVersion: probe.torch };
    tried.push(`${python} (Python ${probe.python}): ${probe.error}`);
  }
  throw new TrainerUnavailableError(
    `training needs Python 3 with PyTorch and numpy, and none was found (${
      tried.length > 0 ? tried.join('; ') : 'no python3 at all'
    }). To fix: ${TORCH_INSTALL_HINT}`,
  );
}

/** The trainer's source folder inside the installed package. */
export function trainerDir(): string {
  return join(packageRoot(), 'train');
}

/** One JSON line the trainer prints (log records: start, resume, steps, validations). */
export type TrainerRecord = Record<string, unknown>;

export interface TrainOptions {
  /** Folders of 16 kHz mono WAV (`commonsynth prep` output); the theme is the first sub-folder. */
  data: string[];
  /** The name to register the trained model under (and the package's config name). */
  name: string;
  family?: 'parallel-ae' | 'wavenet-ae';
  preset?: string;
  /** Wall-clock budget of this invocation, in minutes. */
  minutes?: number;
  /** Run folder (checkpoints, log); the same folder resumes. Default $COMMONSYNTH_HOME/runs/<name>. */
  runDir?: string;
  device?: string;
  threads?: number;
  seed?: number;
  /** Hyperparameter overrides, KEY=JSON. */
  set?: string[];
  /** Start from these weights: a trainer checkpoint (.pt), or for wavenet-ae a model package. */
  init?: string;
  /** Add this × the quality measure's log-mel L1 (dB / 10) to the loss (parallel-ae; default 0). */
  melWeight?: number;
  /** Draw crops of a theme this many times as often per second of audio, e.g. { nature: 2 }. */
  themeWeights?: Record<string, number>;
  /** More arguments for `python3 -m train train`, passed as they are. */
  extraArgs?: string[];
  /** Version string written into the package. */
  version?: string;
  /** Replace a registered model of the same name (default true: retraining updates it). */
  overwrite?: boolean;
  /** Skip registering: only train and export into `exportDir`. */
  exportDir?: string;
  python?: TorchPython;
  /** Each JSON record the trainer prints. */
  onRecord?: (record: TrainerRecord) => void;
  /**
   * Lines of trainer output that are not JSON records (warnings). Python tracebacks are held
   * back (the error carries them in `output`) unless `verbose`.
   */
  onLog?: (line: string) => void;
  verbose?: boolean;
}

export interface TrainResult {
  runDir: string;
  python: TorchPython;
  /** The trainer's closing summary (its last JSON line). */
  summary: TrainerRecord | undefined;
  /** The registered package (undefined when exportDir was given). */
  model?: ResolvedModel;
  packageDir: string;
}

function runTrainer(
  python: string,
  args: string[],
  onRecord: (r: TrainerRecord) => void,
  onLog: (line: string) => void,
  verbose: boolean,
): Promise<TrainerRecord | undefined> {
  return new Promise((done, fail) => {
    const root = packageRoot();
    const env = {
      ...process.env,
      PYTHONPATH: [root, process.env.PYTHONPATH].filter(Boolean).join(delimiter),
      PYTHONUNBUFFERED: '1',
    };
    const child = spawn(python, ['-m', 'train', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let last: TrainerRecord | undefined;
    const tail: string[] = [];
    let inTraceback = false;
    const remember = (line: string): void => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
    };
    const lines = (stream: NodeJS.ReadableStream, parse: boolean): void => {
      let buffer = '';
      stream.on('data', (d: Buffer) => {
        buffer += d.toString();
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl).trimEnd();
          buffer = buffer.slice(nl + 1);
          nl = buffer.indexOf('\n');
          if (line === '') continue;
          if (parse && line.startsWith('{')) {
            try {
              last = JSON.parse(line) as TrainerRecord;
              onRecord(last);
              continue;
            } catch {
              // Not a record after all: treat as a log line.
            }
          }
          remember(line);
          // A traceback runs from its header to the first unindented line after it (the
          // exception, which also ends the error's message).
          const header = line.startsWith('Traceback (most recent call last)');
          if (header) inTraceback = true;
          if (verbose || !inTraceback) onLog(line);
          if (inTraceback && !header && !line.startsWith(' ')) inTraceback = false;
        }
      });
    };
    lines(child.stdout, true);
    lines(child.stderr, false);
    child.on('error', (error) =>
      fail(new TrainerFailedError(`cannot start ${python}: ${error.message}`)),
    );
    child.on('close', (code, signal) => {
      if (code === 0) done(last);
      else {
        fail(
          new TrainerFailedError(
            `python3 -m train ${args[0]} failed (${signal ?? `exit ${code}`}): ${tail.at(-1) ?? 'no output'}`,
            tail,
          ),
        );
      }
    });
  });
}

function hardwareDescription(): string {
  const cores = cpus();
  return `${cores.length} x ${cores[0]?.model ?? 'CPU'}`;
}

/**
 * Trains (or resumes, when the run folder holds a checkpoint) a model with the Python trainer,
 * exports it as a model package and registers it under `name` in the user's models folder.
 */
export async function trainModel(options: TrainOptions): Promise<TrainResult> {
  // The name makes the run folder and the registered package's folder. Checked first: a bad one
  // found at registration would throw away the whole training budget, and one like "../../x"
  // would have put the run folder outside $COMMONSYNTH_HOME by then.
  if (!isValidModelName(options.name)) {
    throw new UsageError(
      `cannot train a model named ${JSON.stringify(options.name)}: a model name is letters, digits, ".", "_" or "-" (not starting with "."), and not "${DEFAULT_MODEL_NAME}"`,
    );
  }
  if (!existsSync(join(trainerDir(), '__main__.py'))) {
    throw new TrainerUnavailableError(
      `the trainer's source (${trainerDir()}) is missing from this installation; reinstall commonsynth`,
    );
  }
  const python = options.python ?? (await findTorchPython());
  const runDir = resolve(options.runDir ?? join(commonsynthHome(), 'runs', options.name));
  const onRecord = options.onRecord ?? (() => {});
  const onLog = options.onLog ?? (() => {});
  const resuming = existsSync(join(runDir, 'checkpoint.pt'));
  if (!resuming && options.data.length === 0) {
    throw new CommonsynthError('USAGE', 'training needs --data: at least one folder of 16 kHz WAV');
  }
  const args = ['train', '--run', runDir];
  if (options.data.length > 0) args.push('--data', ...options.data.map((d) => resolve(d)));
  if (options.family) args.push('--family', options.family);
  if (options.preset) args.push('--preset', options.preset);
  if (options.minutes !== undefined) args.push('--minutes', String(options.minutes));
  if (options.device) args.push('--device', options.device);
  if (options.threads !== undefined) args.push('--threads', String(options.threads));
  if (options.seed !== undefined) args.push('--seed', String(options.seed));
  for (const kv of options.set ?? []) args.push('--set', kv);
  if (options.init) args.push('--init', resolve(options.init));
  if (options.melWeight !== undefined) args.push('--mel-weight', String(options.melWeight));
  for (const [theme, weight] of Object.entries(options.themeWeights ?? {})) {
    args.push('--theme-weight', `${theme}=${weight}`);
  }
  args.push(...(options.extraArgs ?? []));
  const verbose = options.verbose ?? false;
  const summary = await runTrainer(python.python, args, onRecord, onLog, verbose);

  let exportTo: string;
  if (options.exportDir) exportTo = resolve(options.exportDir);
  else {
    await mkdir(commonsynthHome(), { recursive: true });
    exportTo = await mkdtemp(join(commonsynthHome(), `.export-${options.name}-`));
  }
  const packageDir = options.exportDir ? exportTo : join(exportTo, options.name);
  try {
    const exportArgs = ['export', '--run', runDir, '--out', packageDir, '--name', options.name];
    if (options.version) exportArgs.push('--version', options.version);
    exportArgs.push('--hardware', hardwareDescription());
    await runTrainer(python.python, exportArgs, onRecord, onLog, verbose);
    if (options.exportDir) return { runDir, python, summary, packageDir };
    const model = await registerModel(packageDir, {
      name: options.name,
      overwrite: options.overwrite ?? true,
      move: true,
    });
    return { runDir, python, summary, model, packageDir: model.dir };
  } finally {
    if (!options.exportDir) await rm(exportTo, { recursive: true, force: true });
  }
}
