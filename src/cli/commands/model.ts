/**
 * `commonsynth model …`: model packages and TensorFlow checkpoints. Each subcommand is one
 * function below, registered on the `model` group; add new ones (list, info, export) the same way.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { userModelsDir } from '../../model/registry.js';
import {
  inspectTfCheckpoint,
  readTfCheckpointIndex,
  type TfTensorInfo,
} from '../../model/tf/bundle.js';
import {
  fetchNsynthModel,
  NSYNTH_CHECKPOINT_URL,
  NSYNTH_MODEL_NAME,
} from '../../model/tf/fetch.js';
import { type ImportTfCheckpointResult, importTfCheckpoint } from '../../model/tf/import.js';
import { formatBytes } from '../output.js';
import { createProgress, type Progress } from '../progress.js';
import { COUNT, parseOptionalNumber, parsePositiveInteger } from './parse.js';

const MIB = 1024 * 1024;

/** The rows of `inspect-tf --json`: exactly the documented fields. */
export function tensorListing(
  tensors: readonly TfTensorInfo[],
): Array<Pick<TfTensorInfo, 'name' | 'dtype' | 'shape' | 'shard' | 'offset' | 'size'>> {
  return tensors.map(({ name, dtype, shape, shard, offset, size }) => ({
    name,
    dtype,
    shape,
    shard,
    offset,
    size,
  }));
}

function tensorTable(tensors: readonly TfTensorInfo[]): string {
  const rows = tensors.map((t) => [
    t.name,
    t.dtype,
    `[${t.shape.join(',')}]`,
    String(t.shard),
    String(t.offset),
    String(t.size),
  ]);
  const header = ['NAME', 'DTYPE', 'SHAPE', 'SHARD', 'OFFSET', 'SIZE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 0 || i === 1 || i === 2 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

function registerInspectTf(model: Command): void {
  model
    .command('inspect-tf')
    .description(
      'list every tensor of a TensorFlow checkpoint (name, dtype, shape, shard, offset, size)',
    )
    .argument('<checkpoint>', 'the checkpoint index (model.ckpt-N.index) or its prefix')
    .option('--json', 'print JSON')
    .action(async (checkpoint: string, options: { json?: boolean }) => {
      if (options.json) {
        process.stdout.write(
          `${JSON.stringify(tensorListing(await inspectTfCheckpoint(checkpoint)), null, 2)}\n`,
        );
        return;
      }
      const index = await readTfCheckpointIndex(checkpoint);
      const bytes = index.tensors.reduce((sum, t) => sum + t.size, 0);
      process.stdout.write(`${tensorTable(index.tensors)}\n`);
      process.stdout.write(
        `\n${index.tensors.length} tensors, ${bytes} bytes (${formatBytes(bytes)}) in ${index.header.numShards} shard(s), ${index.header.endianness}-endian, bundle version ${index.header.version.producer}\n`,
      );
    });
}

/**
 * A bar counting whole MiB (cli-progress prints values as they are), created on the first report
 * when the total is known; `stop` may be called more than once.
 */
function mibProgress(title: string): {
  report: (done: number, total: number | undefined, label?: string) => void;
  stop: () => void;
} {
  let bar: Progress | undefined;
  let stopped = false;
  let shown = 0;
  return {
    report(done, total, label = '') {
      if (stopped) return;
      bar ??= createProgress(title, { unit: 'MiB', total: Math.ceil((total ?? 0) / MIB) });
      const now = Math.floor(done / MIB);
      bar.tick(now - shown, label);
      shown = now;
    },
    stop() {
      if (!stopped) bar?.stop();
      stopped = true;
    },
  };
}

function describeImport(result: ImportTfCheckpointResult, from: string): string {
  const h = result.config.hyperparameters;
  return (
    `imported ${result.tensors} tensors (${formatBytes(result.bytes)}, ${result.weightsKind} weights) from ${from}\n` +
    `into ${result.dir}: ${result.config.name} ${result.config.version}, wavenet-ae ` +
    `(decoder ${h.numLayers}x${h.width}, skip ${h.skipWidth}; encoder ${h.aeNumLayers}x${h.aeWidth}; ` +
    `${h.bottleneckWidth}-dim embeddings every ${h.hop} samples at ${h.sampleRate} Hz)\n`
  );
}

interface ImportCliOptions {
  out: string;
  ema?: boolean;
  name?: string;
  modelVersion?: string;
  stages?: string;
  aeStages?: string;
  hop?: string;
}

function registerImportTf(model: Command): void {
  model
    .command('import-tf')
    .description('convert a TensorFlow NSynth WaveNet checkpoint into a commonsynth model package')
    .argument(
      '<checkpoint>',
      'the checkpoint prefix (e.g. wavenet-ckpt/model.ckpt-200000) or its .index file',
    )
    .requiredOption('--out <dir>', 'the package folder to write')
    .option(
      '--ema',
      'use the exponential moving averages of the weights instead of the raw weights',
    )
    .option('--name <name>', 'package name (default "nsynth" for h512_bo16)')
    .option('--model-version <version>', "package version (default: the checkpoint's global step)")
    .option('--stages <n>', 'decoder dilation cycle, which shapes cannot tell (default 10)')
    .option('--ae-stages <n>', 'encoder dilation cycle (default 10)')
    .option('--hop <n>', 'samples per embedding frame (default 512)')
    .action(async (checkpoint: string, options: ImportCliOptions) => {
      const progress = mibProgress('import');
      try {
        const result = await importTfCheckpoint(checkpoint, options.out, {
          ema: options.ema,
          name: options.name,
          version: options.modelVersion,
          numStages: parsePositiveInteger(options.stages, '--stages'),
          aeNumStages: parsePositiveInteger(options.aeStages, '--ae-stages'),
          hop: parsePositiveInteger(options.hop, '--hop'),
          onProgress: progress.report,
        });
        progress.stop();
        process.stdout.write(describeImport(result, checkpoint));
      } finally {
        progress.stop();
      }
    });
}

interface FetchCliOptions {
  dir?: string;
  downloadDir?: string;
  url?: string;
  ema?: boolean;
  keepDownload?: boolean;
  retries?: string;
}

const FETCHABLE = [NSYNTH_MODEL_NAME] as const;

function registerFetch(model: Command): void {
  model
    .command('fetch')
    .description(
      `download a published model and install it as a package (known: ${FETCHABLE.join(', ')})`,
    )
    .argument('<model>', "which model: nsynth (Magenta's NSynth WaveNet checkpoint, about 1 GB)")
    .option(
      '--dir <dir>',
      `the package folder (default: ${NSYNTH_MODEL_NAME} in the user models folder, so --model ${NSYNTH_MODEL_NAME} finds it)`,
    )
    .option(
      '--download-dir <dir>',
      'where the archive is downloaded and unpacked (default: .downloads beside the package)',
    )
    .option('--url <url>', `download from here instead (default ${NSYNTH_CHECKPOINT_URL})`)
    .option(
      '--ema',
      'use the exponential moving averages of the weights instead of the raw weights',
    )
    .option('--keep-download', 'keep the archive and the unpacked checkpoint after importing')
    .option(
      '--retries <n>',
      'retries of a failed connection or broken transfer, each resuming',
      '3',
    )
    .action(async (which: string, options: FetchCliOptions) => {
      if (!(FETCHABLE as readonly string[]).includes(which)) {
        throw new UsageError(`unknown model "${which}"; known: ${FETCHABLE.join(', ')}`);
      }
      if (options.url !== undefined && !/^https?:\/\//.test(options.url)) {
        throw new UsageError(`--url must be an http(s) URL, got ${options.url}`);
      }
      const retries = parseOptionalNumber(options.retries, '--retries', COUNT);
      const outDir = options.dir ?? `${userModelsDir()}/${NSYNTH_MODEL_NAME}`;
      const downloading = mibProgress('download');
      const importing = mibProgress('import');
      try {
        const result = await fetchNsynthModel({
          url: options.url,
          outDir,
          downloadDir: options.downloadDir,
          ema: options.ema,
          keepDownload: options.keepDownload,
          retries,
          onDownloadProgress: (done, total) => downloading.report(done, total),
          onImportProgress(done, total, tensor) {
            downloading.stop();
            importing.report(done, total, tensor);
          },
        });
        downloading.stop();
        importing.stop();
        const { download } = result;
        process.stdout.write(
          download.cached
            ? `using the archive already downloaded (${formatBytes(download.bytes)})\n`
            : `downloaded ${formatBytes(download.bytes - download.resumedFrom)}${download.resumedFrom > 0 ? ` (resumed after ${formatBytes(download.resumedFrom)})` : ''}\n`,
        );
        process.stdout.write(describeImport(result.imported, result.checkpoint));
        if (options.dir === undefined)
          process.stdout.write(`use it with --model ${NSYNTH_MODEL_NAME}\n`);
      } finally {
        downloading.stop();
        importing.stop();
      }
    });
}

export function register(program: Command): void {
  const model = program.command('model').description('model packages and TensorFlow checkpoints');
  registerInspectTf(model);
  registerImportTf(model);
  registerFetch(model);
}
