/**
 * npm run bench:model [-- --model NAME|DIR] [--seconds 60] [--threads 1,2] [--json]
 *
 * Encode + decode real-time factor of a 'parallel-ae' package through ONNX Runtime: seconds of
 * audio processed per second of wall time, for one stream, whole clip at once. Default model:
 * the shipped one; without it (or with --random PRESET) a random-weight package of the trainer's
 * architecture is exported with /usr/bin/python3 + torch (speed does not depend on the weights).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModelPackage, type ParallelPackage } from '../src/model/package/index.js';
import { ParallelAutoencoder } from '../src/model/parallel/index.js';
import { packageRoot, resolveModel, shippedDefaultModelDir } from '../src/model/registry.js';

interface Args {
  model?: string;
  random?: string;
  seconds: number;
  threads: number[];
  repeats: number;
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seconds: 60, threads: [1, 2], repeats: 3, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--model') args.model = argv[++i];
    else if (a === '--random') args.random = argv[++i];
    else if (a === '--seconds') args.seconds = Number(argv[++i]);
    else if (a === '--threads') args.threads = argv[++i].split(',').map(Number);
    else if (a === '--repeats') args.repeats = Number(argv[++i]);
    else if (a === '--json') args.json = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

const EXPORT_RANDOM = `
import json, sys, torch
from train.models.parallel_ae import ParallelAE, ParallelAEConfig, PRESETS
from train.export import export_onnx
out, preset = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
cfg = ParallelAEConfig.from_dict(PRESETS[preset])
m = ParallelAE(cfg).eval()
export_onnx(m, out)
print(json.dumps(cfg.to_dict()))
`;

async function randomPackage(
  preset: string,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'commonsynth-bench-model-'));
  await mkdir(dir, { recursive: true });
  const result = spawnSync('/usr/bin/python3', ['-c', EXPORT_RANDOM, dir, preset], {
    cwd: packageRoot(),
    env: { ...process.env, PYTHONPATH: packageRoot() },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`random export failed:\n${result.stderr}`);
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({
      format: 'commonsynth-model',
      formatVersion: 1,
      name: `random-${preset}`,
      version: '0',
      family: 'parallel-ae',
      sampleRate: 16000,
      hop: 512,
      embeddingDims: 16,
      hyperparameters: JSON.parse(result.stdout),
      credits: { trainingData: [], model: 'random weights for benchmarking', license: 'CC0-1.0' },
      files: { encoder: 'encoder.onnx', decoder: 'decoder.onnx' },
    }),
  );
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let dir: string;
  let cleanup = async (): Promise<void> => {};
  if (args.random || (!args.model && !existsSync(join(shippedDefaultModelDir(), 'config.json')))) {
    ({ dir, cleanup } = await randomPackage(args.random ?? 'small'));
  } else {
    dir = (await resolveModel(args.model)).dir;
  }
  const pkg = await loadModelPackage(dir);
  if (pkg.family !== 'parallel-ae') throw new Error(`${dir} is ${pkg.family}, not parallel-ae`);
  const samples = Math.floor((args.seconds * 16000) / 512) * 512;
  // Content does not change the cost; a quiet noise keeps every activation in a normal range.
  const audio = Float32Array.from(
    { length: samples },
    (_, i) => 0.1 * Math.sin(i * 0.05) + 0.01 * Math.sin(i * 1.7),
  );
  const rows = [];
  for (const threads of args.threads) {
    const model = await ParallelAutoencoder.open(pkg as ParallelPackage, { threads });
    // Warm-up: the first run allocates and plans.
    const [warm] = await model.encode([audio.subarray(0, 16000 - (16000 % 512))]);
    await model.decode([warm]);
    let encodeMs = 0;
    let decodeMs = 0;
    for (let r = 0; r < args.repeats; r++) {
      let t = performance.now();
      const [latents] = await model.encode([audio]);
      encodeMs += performance.now() - t;
      t = performance.now();
      await model.decode([latents]);
      decodeMs += performance.now() - t;
    }
    await model.close();
    const seconds = samples / 16000;
    const enc = encodeMs / args.repeats / 1000;
    const dec = decodeMs / args.repeats / 1000;
    rows.push({
      threads,
      audioSeconds: seconds,
      encodeSeconds: +enc.toFixed(3),
      decodeSeconds: +dec.toFixed(3),
      encodeRealtime: +(seconds / enc).toFixed(1),
      decodeRealtime: +(seconds / dec).toFixed(1),
      encodeDecodeRealtime: +(seconds / (enc + dec)).toFixed(1),
    });
  }
  await cleanup();
  const report = {
    model: pkg.config.name,
    dir,
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'CPU'}`,
    date: new Date().toISOString().slice(0, 10),
    rows,
    /** Peak resident memory of this process, all runs included. */
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `model ${report.model} on ${report.machine}, ${report.date}; peak RSS ${report.peakRssMiB} MiB\n`,
  );
  process.stdout.write(
    'threads  audio s  encode s  decode s  encode xRT  decode xRT  encode+decode xRT\n',
  );
  for (const r of rows) {
    process.stdout.write(
      `${String(r.threads).padStart(7)}  ${r.audioSeconds.toFixed(1).padStart(7)}  ${r.encodeSeconds.toFixed(3).padStart(8)}  ${r.decodeSeconds.toFixed(3).padStart(8)}  ${String(r.encodeRealtime).padStart(10)}  ${String(r.decodeRealtime).padStart(10)}  ${String(r.encodeDecodeRealtime).padStart(17)}\n`,
    );
  }
}

await main();
