/**
 * `npm run bench:prep`: decode + mono + resample throughput per input format, in seconds of
 * audio per second of work ("x real time"), one process, no workers. Reads the shared corpus
 * (FLAC, Ogg Vorbis, WAV) and the codec fixtures (MP3, Opus, WebM), repeating short fixtures.
 *
 *   npm run bench:prep [-- --qualities polyphase,best,medium] [--repeat 3]
 *
 * Each step of each file is timed `--repeat` times and the fastest counts: on a shared machine
 * the slower runs measure the other jobs, not this code.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  decodeAudioBytes,
  RESAMPLE_QUALITIES,
  type ResampleQuality,
  resample,
  toMono,
} from '../src/audio/index.js';
import { codecsDir, corpusDir, corpusManifest } from '../test/helpers/shared.js';

const option = (name: string) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
};
const qualities = (option('--qualities') ?? 'polyphase,best,medium').split(
  ',',
) as ResampleQuality[];
for (const q of qualities) {
  if (!RESAMPLE_QUALITIES.includes(q)) throw new Error(`unknown quality ${q}`);
}
const repeats = Number(option('--repeat') ?? 3);
if (!Number.isInteger(repeats) || repeats < 1) throw new Error('--repeat takes a positive integer');

interface Input {
  path: string;
  bytes: Uint8Array;
  repeat: number;
}

// Files read up front: the benchmark measures decoding, not the disk.
const inputs: Input[] = corpusManifest().map((e) => {
  const path = join(corpusDir(), e.file);
  return { path, bytes: readFileSync(path), repeat: 1 };
});
for (const [name, repeat] of [
  ['stream.stereo.audio.mp3', 1],
  ['bunny.stereo.audio.opus', 40],
  ['bunny.stereo.audio.opus.webm', 40],
  ['bunny.stereo.audio.vorbis.webm', 40],
] as const) {
  const path = join(codecsDir(), name);
  inputs.push({ path, bytes: readFileSync(path), repeat });
}

interface Totals {
  files: number;
  audioSeconds: number;
  decode: number;
  mono: number;
  resample: Record<string, number>;
  rates: Set<number>;
}
const byFormat = new Map<string, Totals>();

// CPU time of this process (user + system), in seconds: on a shared machine, wall time also
// counts other processes' turns on the cores. Both are reported.
const cpu = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};
const now = cpu;
let wallStart = performance.now();

// Warm-up: the first calls compile the decoders and the resampler.
for (const input of inputs.slice(0, 3)) {
  const d = await decodeAudioBytes(input.bytes, input.path);
  for (const q of qualities) resample(toMono(d.channels), d.sampleRate, 16000, { quality: q });
}

wallStart = performance.now();
const cpuStart = cpu();
/** CPU seconds of the fastest of `repeats` runs of `work`, and its last result. */
async function fastest<T>(work: () => T | Promise<T>): Promise<[number, T]> {
  let best = Number.POSITIVE_INFINITY;
  let result: T | undefined;
  for (let r = 0; r < repeats; r++) {
    const start = now();
    result = await work();
    best = Math.min(best, now() - start);
  }
  return [best, result as T];
}

for (const input of inputs) {
  for (let r = 0; r < input.repeat; r++) {
    const [decodeSeconds, decoded] = await fastest(() => decodeAudioBytes(input.bytes, input.path));
    const [monoSeconds, mono] = await fastest(() => toMono(decoded.channels));
    const totals = byFormat.get(decoded.format) ?? {
      files: 0,
      audioSeconds: 0,
      decode: 0,
      mono: 0,
      resample: {},
      rates: new Set<number>(),
    };
    byFormat.set(decoded.format, totals);
    totals.files++;
    totals.audioSeconds += mono.length / decoded.sampleRate;
    totals.decode += decodeSeconds;
    totals.mono += monoSeconds;
    totals.rates.add(decoded.sampleRate);
    for (const quality of qualities) {
      const [seconds] = await fastest(() => resample(mono, decoded.sampleRate, 16000, { quality }));
      totals.resample[quality] = (totals.resample[quality] ?? 0) + seconds;
    }
  }
}

const wallSeconds = (performance.now() - wallStart) / 1000;
const cpuSeconds = cpu() - cpuStart;
const x = (seconds: number, work: number) => `${(seconds / work).toFixed(0)}x`;
const lines = [
  `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${new Date().toISOString().slice(0, 10)}`,
  '',
  `Throughput = seconds of audio per CPU-second of this process (one core), fastest of ${repeats} per step. Whole run: ${cpuSeconds.toFixed(0)} s CPU in ${wallSeconds.toFixed(0)} s wall; load average at the end ${loadavg()
    .map((l) => l.toFixed(1))
    .join(', ')}.`,
  '',
  `| format | files | audio (s) | input rates (Hz) | decode | ${qualities.map((q) => `decode+mono+resample (${q})`).join(' | ')} |`,
  `|---|---|---|---|---|${qualities.map(() => '---').join('|')}|`,
];
for (const [format, t] of [...byFormat.entries()].sort()) {
  const cells = qualities.map((q) => x(t.audioSeconds, t.decode + t.mono + t.resample[q]));
  lines.push(
    `| ${format} | ${t.files} | ${t.audioSeconds.toFixed(0)} | ${[...t.rates].join(', ')} | ${x(t.audioSeconds, t.decode)} | ${cells.join(' | ')} |`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
