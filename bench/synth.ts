/**
 * npm run bench:synth [-- --json] [--steps N] [--quick]
 *
 * The full h512_bo16 WaveNet decoder (random weights: speed does not depend on the values) on
 * ONNX Runtime: wall seconds per second of generated audio, for one stream, batches of 16, 64
 * and 128 streams, and one 60 s sound split into chunks; ORT options (threads, optimisation
 * level, int8 weights, tap fusion, queue feeding); and the encoder's real-time factor.
 *
 * Each configuration runs a short generation through the real generator (sampling included)
 * and extrapolates from the per-step time: generation costs the same for every step (plus the
 * conditioning graph once per 512 steps, which is included). We report the median step and the
 * 10th percentile (the machine is shared, so the p10 is closer to an uncontended step).
 */
import { cpus, loadavg } from 'node:os';
import type { OptimizationLevel } from '../src/model/onnx/session.js';
import { createSession, ort } from '../src/model/onnx/session.js';
import { randomWaveNetWeights } from '../src/model/random-weights.js';
import { planChunks } from '../src/model/wavenet/chunking.js';
import {
  buildDecoderStepGraph,
  type Precision,
  type QueueFeed,
  ringSlots,
  stepNames,
  type TapFusion,
} from '../src/model/wavenet/decoder-graph.js';
import { createWaveNetEncoder } from '../src/model/wavenet/encoder.js';
import { createWaveNetGenerator } from '../src/model/wavenet/generator.js';
import { decoderReceptiveField, dilationOf, H512_BO16 } from '../src/model/wavenet-config.js';

const cfg = H512_BO16;
const DEFAULT = 'default (fp32)';
const INT8 = 'int8 weights (DynamicQuantizeMatMul)';
const SR = cfg.sampleRate;

interface Args {
  json: boolean;
  steps: number;
  quick: boolean;
  encoderOnly: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, steps: 120, quick: false, encoderOnly: false };
  // --encoder-only skips the decoder measurements.
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '--steps') args.steps = Number(argv[++i]);
    else if (a === '--quick') args.quick = true;
    else if (a === '--encoder-only') args.encoderOnly = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

interface StepTiming {
  /** Median and 10th-percentile wall milliseconds per step (one sample for every stream). */
  medianMs: number;
  p10Ms: number;
  /** CPU milliseconds (all threads) per step: robust to other processes on the machine. */
  cpuMs: number;
}

interface Row extends StepTiming {
  what: string;
  batch: number;
  threads: number;
  precision: Precision;
  fusion: TapFusion;
  optimization: OptimizationLevel;
  spinning: boolean;
  /** Wall seconds per second of audio, all streams together (median step). */
  secondsPerSecondAggregate: number;
  /** The same from the p10 step. */
  secondsPerSecondAggregateP10: number;
  /** CPU seconds (all threads) per second of audio, all streams together. */
  cpuSecondsPerSecondAggregate: number;
  loadAverage: number;
}

function quantile(values: number[], q: number): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function timing(stepMs: number[], cpuMicros: number): StepTiming {
  return {
    medianMs: quantile(stepMs, 0.5),
    p10Ms: quantile(stepMs, 0.1),
    cpuMs: cpuMicros / 1000 / stepMs.length,
  };
}

function cpuMicrosSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

function randomEmbedding(frames: number, seed: number) {
  const data = new Float32Array(frames * cfg.bottleneckWidth);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 2 ** 32) * 2 - 1;
  }
  return { frames, dims: cfg.bottleneckWidth, data };
}

const weights = randomWaveNetWeights(cfg, 1);
const model = { config: cfg, weights };

interface GeneratorConfig {
  threads: number;
  precision: Precision;
  fusion: TapFusion;
  optimization: OptimizationLevel;
  spinning: boolean;
}

/** Per-step times of the real generator for each batch size, with one set of sessions. */
async function measureGenerator(
  config: GeneratorConfig,
  batches: number[],
  steps: number,
  what: string,
): Promise<Row[]> {
  const generator = await createWaveNetGenerator(model, config);
  const rows: Row[] = [];
  for (const batch of batches) {
    const warmup = 8;
    const streams = Array.from({ length: batch }, (_, i) => ({
      embedding: randomEmbedding(Math.ceil((steps + warmup) / cfg.hop), i + 1),
      length: steps + warmup,
      key: `bench ${i}`,
    }));
    const times: number[] = [];
    let last = performance.now();
    let cpuStart = process.cpuUsage();
    await generator.generateStreams(streams, {
      seed: 1,
      onProgress: ({ step }) => {
        const now = performance.now();
        if (step > warmup) times.push(now - last);
        if (step === warmup) cpuStart = process.cpuUsage();
        last = now;
      },
    });
    const t = timing(times, cpuMicrosSince(cpuStart));
    rows.push({
      what,
      batch,
      ...config,
      ...t,
      secondsPerSecondAggregate: (t.medianMs / 1000) * (SR / batch),
      secondsPerSecondAggregateP10: (t.p10Ms / 1000) * (SR / batch),
      cpuSecondsPerSecondAggregate: (t.cpuMs / 1000) * (SR / batch),
      loadAverage: loadavg()[0],
    });
    report(rows[rows.length - 1]);
  }
  await generator.dispose();
  return rows;
}

/**
 * The step graph alone (no sampling), fed either as per-layer taps or as whole ring buffers
 * gathered inside the graph: the two ways of handling fastgen's queues.
 */
async function measureQueueFeed(
  queues: QueueFeed,
  batch: number,
  steps: number,
): Promise<StepTiming> {
  const session = await createSession(buildDecoderStepGraph(model, { queues }), { threads: 2 });
  const W = cfg.width;
  const feeds: Record<string, ort.Tensor> = {
    [stepNames.x]: new ort.Tensor('float32', new Float32Array(batch * 3), [batch, 3]),
    [stepNames.condOut]: new ort.Tensor('float32', new Float32Array(batch * cfg.skipWidth), [
      batch,
      cfg.skipWidth,
    ]),
  };
  const rings: Float32Array[] = [];
  for (let i = 1; i <= cfg.numLayers; i++) {
    const d = dilationOf(i - 1, cfg.numStages);
    rings.push(new Float32Array(ringSlots(d) * batch * W));
    feeds[stepNames.cond(i)] = new ort.Tensor('float32', new Float32Array(batch * 2 * W), [
      batch,
      2 * W,
    ]);
  }
  const times: number[] = [];
  let cpuStart = process.cpuUsage();
  for (let t = 0; t < steps + 4; t++) {
    if (t === 4) cpuStart = process.cpuUsage();
    const fetches: Record<string, ort.Tensor | null> = { [stepNames.logits]: null };
    for (let i = 1; i <= cfg.numLayers; i++) {
      const d = dilationOf(i - 1, cfg.numStages);
      const slots = ringSlots(d);
      const ring = rings[i - 1];
      const slot = (time: number) => {
        const s = ((time % slots) + slots) % slots;
        return ring.subarray(s * batch * W, (s + 1) * batch * W);
      };
      if (queues === 'taps') {
        feeds[stepNames.past2(i)] = new ort.Tensor('float32', slot(t - 2 * d), [batch, W]);
        feeds[stepNames.past1(i)] = new ort.Tensor('float32', slot(t - d), [batch, W]);
      } else {
        feeds[stepNames.ring(i)] = new ort.Tensor('float32', ring, [slots, batch, W]);
        const s2 = (((t - 2 * d) % slots) + slots) % slots;
        const s1 = (((t - d) % slots) + slots) % slots;
        feeds[stepNames.slots(d)] = new ort.Tensor(
          'int64',
          BigInt64Array.of(BigInt(s2), BigInt(s1)),
          [2],
        );
      }
      fetches[stepNames.layerInput(i)] = new ort.Tensor('float32', slot(t), [batch, W]);
    }
    const start = performance.now();
    await session.run(feeds, fetches);
    if (t >= 4) times.push(performance.now() - start);
  }
  const cpu = cpuMicrosSince(cpuStart);
  await session.release();
  return timing(times, cpu);
}

let quiet = false;
function report(row: Row): void {
  if (quiet) return;
  process.stderr.write(
    `${row.what.padEnd(34)} B=${String(row.batch).padStart(3)} threads=${row.threads} ${row.precision} ${row.fusion} opt=${row.optimization}: ` +
      `${row.medianMs.toFixed(1)} ms/step (p10 ${row.p10Ms.toFixed(1)}, cpu ${row.cpuMs.toFixed(1)}) → ${row.secondsPerSecondAggregate.toFixed(2)} s/s aggregate ` +
      `(p10 ${row.secondsPerSecondAggregateP10.toFixed(2)}, cpu ${row.cpuSecondsPerSecondAggregate.toFixed(2)}), load ${row.loadAverage.toFixed(1)}\n`,
  );
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  quiet = false;
  const started = Date.now();
  const steps = args.steps;
  const base: GeneratorConfig = {
    threads: 2,
    precision: 'fp32',
    fusion: 'concat',
    optimization: 'all',
    spinning: false,
  };
  const rows: Row[] = [];
  const batches = args.quick ? [1, 16] : [1, 16, 64, 128];

  const queueFeeds: Array<{ queues: QueueFeed; batch: number } & StepTiming> = [];
  const chunked = [];
  if (!args.encoderOnly) {
    rows.push(...(await measureGenerator(base, batches, steps, DEFAULT)));
    const int8Batches = args.quick ? batches : [...batches, 256];
    rows.push(
      ...(await measureGenerator({ ...base, precision: 'int8' }, int8Batches, steps, INT8)),
    );
    if (!args.quick) {
      const variants: Array<[string, Partial<GeneratorConfig>, number[]]> = [
        ['spinning threads (ORT default)', { spinning: true }, [1, 16, 64]],
        ['one intra-op thread', { threads: 1 }, [1, 16, 64]],
        ['taps as three matmuls', { fusion: 'split' }, [1, 16]],
        ['taps through ONNX Conv', { fusion: 'conv' }, [1, 16]],
        ['graph optimisation basic', { optimization: 'basic' }, [1, 16]],
        ['graph optimisation disabled', { optimization: 'disabled' }, [1, 16]],
      ];
      for (const [what, change, sizes] of variants) {
        rows.push(...(await measureGenerator({ ...base, ...change }, sizes, steps, what)));
      }
    }

    // Queues: taps fed from JS ring buffers (what the generator does) vs whole rings gathered in-graph.
    for (const batch of args.quick ? [1] : [1, 16]) {
      for (const queues of ['taps', 'ring'] as const) {
        const t = await measureQueueFeed(queues, batch, Math.min(steps, 80));
        queueFeeds.push({ queues, batch, ...t });
        process.stderr.write(
          `queues fed as ${queues.padEnd(4)} B=${batch}: ${t.medianMs.toFixed(1)} ms/step (p10 ${t.p10Ms.toFixed(1)}, cpu ${t.cpuMs.toFixed(1)})\n`,
        );
      }
    }

    // One 60 s sound: chunks generated as one batch, from the measured per-step cost at that batch.
    const frames = Math.round((60 * SR) / cfg.hop);
    for (const chunks of args.quick ? [16] : [16, 64, 128]) {
      for (const precision of ['fp32', 'int8'] as const) {
        const plan = planChunks([randomEmbedding(frames, 1)], cfg, { chunkSeconds: 60 / chunks });
        const longest = Math.max(...plan.streams.map((s) => s.length));
        const row = rows.find(
          (r) => r.batch === chunks && r.what === (precision === 'fp32' ? DEFAULT : INT8),
        );
        if (!row) continue;
        const wall = (longest * row.medianMs) / 1000;
        chunked.push({
          cpuSecondsPerSecond: (longest * row.cpuMs) / 1000 / 60,
          p10SecondsPerSecond: (longest * row.p10Ms) / 1000 / 60,
          chunks: plan.streams.length,
          precision,
          chunkSeconds: 60 / chunks,
          stepsPerChunk: longest,
          warmupSamples: plan.warmupFrames * cfg.hop,
          crossfadeSamples: plan.crossfadeFrames * cfg.hop,
          wallSeconds: wall,
          secondsPerSecond: wall / 60,
        });
        process.stderr.write(
          `60 s in ${plan.streams.length} chunks (${precision}): ${longest} steps at B=${row.batch} → ${(wall / 60).toFixed(2)} s per second of audio\n`,
        );
      }
    }
  }

  // int8 accuracy on the full-size decoder: generation with fp32 and with int8 weights from the
  // same seed (the same uniform draws, so the inverse-CDF picks agree unless a draw falls between
  // the two CDFs); the logits are compared at every step while both have produced the same samples.
  let int8Error: Record<string, number> | undefined;
  if (!args.encoderOnly) {
    const logitsOf = async (precision: Precision) => {
      const generator = await createWaveNetGenerator(model, { threads: 2, precision });
      const logits: Float32Array[] = [];
      const [audio] = await generator.generate([randomEmbedding(1, 3)], {
        seed: 1,
        onLogits: (_step, _stream, values) => logits.push(values.slice()),
      });
      await generator.dispose();
      return { audio: audio.subarray(0, 256), logits: logits.slice(0, 256) };
    };
    const exact = await logitsOf('fp32');
    const quantised = await logitsOf('int8');
    let same = 0;
    while (same < exact.audio.length && exact.audio[same] === quantised.audio[same]) same++;
    let worst = 0;
    let spread = 0;
    // Step t's logits depend on samples before t only, so steps 0..same are comparable.
    const compared = Math.min(same + 1, exact.logits.length);
    for (let t = 0; t < compared; t++) {
      const a = exact.logits[t];
      const mean = a.reduce((x, y) => x + y, 0) / a.length;
      spread += Math.sqrt(a.reduce((x, y) => x + (y - mean) ** 2, 0) / a.length);
      for (let k = 0; k < a.length; k++)
        worst = Math.max(worst, Math.abs(a[k] - quantised.logits[t][k]));
    }
    int8Error = {
      stepsCompared: compared,
      identicalSamples: same,
      maxAbsLogitError: worst,
      meanLogitStd: spread / compared,
    };
    process.stderr.write(
      `int8 vs fp32 (same draws, ${compared} steps): max |logit error| ${worst.toFixed(4)}, logit std ${(spread / compared).toFixed(3)}, first ${same} samples identical\n`,
    );
  }

  // Encoder: real-time factor on 10 s of audio (wall seconds per second of audio).
  const encoderRows = [];
  for (const threads of [1, 2]) {
    const encoder = await createWaveNetEncoder(model, { threads });
    const audio = Float32Array.from(
      { length: 10 * SR },
      (_, i) => 0.5 * Math.sin(i / 7) * Math.sin(i / 3001),
    );
    await encoder.encode(audio.subarray(0, 2 * SR));
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    await encoder.encode(audio);
    const seconds = (performance.now() - start) / 1000;
    const cpuSeconds = cpuMicrosSince(cpuStart) / 1e6;
    await encoder.dispose();
    const load = loadavg()[0];
    encoderRows.push({
      threads,
      audioSeconds: 10,
      wallSeconds: seconds,
      realTimeFactor: seconds / 10,
      cpuSecondsPerSecond: cpuSeconds / 10,
      loadAverage: load,
    });
    process.stderr.write(
      `encoder threads=${threads}: ${(seconds / 10).toFixed(3)} s per second of audio (cpu ${(cpuSeconds / 10).toFixed(3)}), load ${load.toFixed(1)}\n`,
    );
  }

  const result = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      onnxruntime: ort.env.versions.common,
    },
    preset: 'h512_bo16',
    receptiveField: decoderReceptiveField(cfg),
    stepsMeasured: steps,
    decoder: rows,
    queueFeeds,
    chunked60s: chunked,
    int8Error,
    encoder: encoderRows,
    benchSeconds: (Date.now() - started) / 1000,
  };
  if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stderr.write(`done in ${result.benchSeconds.toFixed(0)} s\n`);
}

await main();
