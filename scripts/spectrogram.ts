/**
 * A spectrogram PNG of a WAV file (or a stretch of it), for looking at seams and clicks by eye.
 *
 *   npx tsx scripts/spectrogram.ts in.wav out.png [--from S] [--to S] [--mark S,S,…]
 *
 * Log-magnitude STFT (512-point Hann window, hop 64), 0 Hz at the bottom, 90 dB of range, one
 * column per hop, four pixel rows per bin pair (height 512). `--mark` draws thin white ticks at
 * the top and bottom edges at those times (seconds from the file's start), e.g. where a seam is.
 */
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { readWav } from '../src/audio/index.js';
import { stftMagnitude } from '../src/eval/spectrum.js';

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (let i = 0; i < bytes.length; i++) {
    c ^= bytes[i];
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** An 8-bit RGB PNG from `rgb` (width x height x 3, rows top to bottom). */
export function encodePng(width: number, height: number, rgb: Uint8Array): Uint8Array {
  const raw = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    raw[y * (1 + width * 3)] = 0; // filter: none
    raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (1 + width * 3) + 1);
  }
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([8, 2, 0, 0, 0], 8);
  const parts = [
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const png = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    png.set(p, at);
    at += p.length;
  }
  return png;
}

/** Black → purple → orange → yellow ("inferno"-like) for v in [0, 1]. */
function colour(v: number): [number, number, number] {
  const stops: [number, number, number][] = [
    [0, 0, 4],
    [87, 16, 110],
    [188, 55, 84],
    [249, 142, 9],
    [252, 255, 164],
  ];
  const x = Math.min(1, Math.max(0, v)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const t = x - i;
  return [0, 1, 2].map((c) => Math.round(stops[i][c] * (1 - t) + stops[i + 1][c] * t)) as [
    number,
    number,
    number,
  ];
}

export function spectrogramPng(
  samples: Float32Array,
  rate: number,
  marks: number[] = [],
  rangeDb = 90,
): Uint8Array {
  const { width, height, rgb } = spectrogramRgb(samples, rate, marks, rangeDb);
  return encodePng(width, height, rgb);
}

/** The spectrogram as RGB pixels (rows top to bottom), for pages made of several. */
export function spectrogramRgb(
  samples: Float32Array,
  rate: number,
  marks: number[] = [],
  rangeDb = 90,
): { width: number; height: number; rgb: Uint8Array } {
  const nFft = 512;
  const hop = 64;
  const spec = stftMagnitude(samples, nFft, hop);
  const { frames, bins } = spec;
  const db = new Float64Array(spec.data.length);
  let peak = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < db.length; i++) {
    db[i] = 20 * Math.log10(spec.data[i] + 1e-12);
    peak = Math.max(peak, db[i]);
  }
  const width = frames;
  const height = bins - 1;
  const rgb = new Uint8Array(width * height * 3);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const bin = height - y; // low frequencies at the bottom
      const v = (db[x * bins + bin] - (peak - rangeDb)) / rangeDb;
      rgb.set(colour(v), (y * width + x) * 3);
    }
  }
  for (const seconds of marks) {
    const x = Math.round((seconds * rate) / hop);
    if (x < 0 || x >= width) continue;
    for (const y of [
      0,
      1,
      2,
      3,
      4,
      5,
      height - 6,
      height - 5,
      height - 4,
      height - 3,
      height - 2,
      height - 1,
    ]) {
      rgb.set([255, 255, 255], (y * width + x) * 3);
    }
  }
  return { width, height, rgb };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const positional = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const option = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const [input, output] = positional;
  if (!input || !output) {
    process.stderr.write(
      'usage: tsx scripts/spectrogram.ts in.wav out.png [--from S] [--to S] [--mark S,…]\n',
    );
    process.exit(2);
  }
  const wav = await readWav(input);
  const rate = wav.sampleRate;
  const from = Number(option('from') ?? 0);
  const to = Number(option('to') ?? wav.channels[0].length / rate);
  const samples = wav.channels[0].subarray(Math.round(from * rate), Math.round(to * rate));
  const marks = (option('mark') ?? '')
    .split(',')
    .filter(Boolean)
    .map((s) => Number(s) - from);
  writeFileSync(output, spectrogramPng(samples, rate, marks));
  process.stdout.write(`${output}: ${samples.length / rate} s of ${input}\n`);
}

if (process.argv[1]?.endsWith('spectrogram.ts')) await main();
