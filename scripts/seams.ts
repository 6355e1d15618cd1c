/**
 * Measures what the ways of reading a source past its end (`fit`) do at the seam, on real corpus
 * sources with the shipped default model: the largest frame-to-frame latent step (against the
 * source's own largest step) and the >4 kHz click energy of the decoded audio around the seam
 * (5 ms frames against the median of their 200 ms neighbourhood).
 *
 *   npx tsx scripts/seams.ts [--per-theme N] [--wav DIR]
 *
 * Candidates: `loop` (wraps), `reflect` (ping-pong), and a latent cross-fade across the loop seam
 * (the last W frames blended into the first W, W = 16 or 32 frames, raised-cosine), which is not
 * a recipe fit and lives here only to be measured.
 */
import { readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadMono, writeWav } from '../src/audio/index.js';
import { largestLatentStep, latentSteps } from '../src/mashup/continuity.js';
import { extractSegment, type FitMode } from '../src/mashup/index.js';
import { openAutoencoder } from '../src/model/autoencoder.js';
import type { Embedding } from '../src/types.js';
import { clickExcessAt, clickExcessDb } from '../test/helpers/clicks.js';
import { corpusDir } from '../test/helpers/shared.js';

/** Loop with the last `w` frames cross-faded (raised-cosine) into the first `w`: period n − w. */
function crossfadeLoop(
  e: Embedding,
  frames: number,
  w: number,
): { out: Embedding; seams: number[] } {
  const { dims, data } = e;
  const n = e.frames;
  const period = n - w;
  const out = new Float32Array(frames * dims);
  const seams: number[] = [];
  for (let p = 0; p < frames; p++) {
    let a = p;
    let b = -1;
    let t = 0;
    if (p >= n - w) {
      const r = (p - (n - w)) % period;
      if (r === 0) seams.push(p);
      if (r < w) {
        a = n - w + r;
        b = r;
        t = (1 - Math.cos((Math.PI * (r + 0.5)) / w)) / 2;
      } else {
        a = r;
      }
    }
    for (let d = 0; d < dims; d++) {
      const x = data[a * dims + d];
      out[p * dims + d] = b < 0 ? x : x * (1 - t) + data[b * dims + d] * t;
    }
  }
  return { out: { frames, dims, data: out }, seams };
}

interface Row {
  source: string;
  fit: string;
  ownStep: number;
  largestStep: number;
  seamStep: number;
  clickDb: number;
  baselineDb: number;
}

function seamsOf(fit: FitMode, n: number, frames: number): number[] {
  const seams: number[] = [];
  if (fit === 'loop') for (let p = n; p < frames; p += n) seams.push(p);
  if (fit === 'reflect') for (let p = n - 1; p < frames; p += n - 1) seams.push(p);
  return seams;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const perTheme = Number(args[args.indexOf('--per-theme') + 1] ?? 2) || 2;
  const wavDir = args.includes('--wav') ? args[args.indexOf('--wav') + 1] : undefined;
  if (wavDir) await mkdir(wavDir, { recursive: true });
  const model = await openAutoencoder(undefined, { threads: 2 });
  const { sampleRate, hop } = model.info;
  const rows: Row[] = [];
  try {
    const audioDir = join(corpusDir(), 'audio');
    for (const theme of readdirSync(audioDir).sort()) {
      const files = readdirSync(join(audioDir, theme)).sort().slice(0, perTheme);
      for (const file of files) {
        const audio = await loadMono(join(audioDir, theme, file), { sampleRate });
        const source = await model.encode(audio);
        const n = source.frames;
        const frames = 2 * n;
        const ownStep = largestLatentStep(source);
        const candidates: { fit: string; path: Embedding; seams: number[] }[] = [];
        for (const fit of ['loop', 'reflect'] as const) {
          candidates.push({
            fit,
            path: extractSegment(source, 0, frames, fit),
            seams: seamsOf(fit, n, frames),
          });
        }
        // The same fits on the source without its last frame: the encoder pads a ragged end with
        // zeros, so that frame encodes an ending (its step in is often the source's largest).
        const trimmed: Embedding = {
          frames: n - 1,
          dims: source.dims,
          data: source.data.subarray(0, (n - 1) * source.dims),
        };
        candidates.push({
          fit: 'reflect-trimmed',
          path: extractSegment(trimmed, 0, frames, 'reflect'),
          seams: seamsOf('reflect', n - 1, frames),
        });
        // Both ends left out when turning: ping-pong over frames 1 … n − 2 (the first frame also
        // sees the encoder's zero padding before the start).
        const inner: Embedding = {
          frames: n - 2,
          dims: source.dims,
          data: source.data.subarray(source.dims, (n - 1) * source.dims),
        };
        const innerPath = extractSegment(inner, 0, frames, 'reflect');
        // Read frame 0 once, then the inner ping-pong from frame 1.
        const both = new Float32Array(frames * source.dims);
        both.set(source.data.subarray(0, source.dims), 0);
        both.set(innerPath.data.subarray(0, (frames - 1) * source.dims), source.dims);
        candidates.push({
          fit: 'reflect-inner',
          path: { frames, dims: source.dims, data: both },
          seams: seamsOf('reflect', n - 2, frames - 1).map((s) => s + 1),
        });
        for (const [w, from] of [
          [16, source],
          [16, trimmed],
          [32, trimmed],
        ] as const) {
          const { out, seams } = crossfadeLoop(from, frames, w);
          // The blend starts at the seam and ends w frames later: both ends count.
          candidates.push({
            fit: `crossfade-${w}${from === trimmed ? '-trimmed' : ''}`,
            path: out,
            seams: seams.flatMap((s) => [s, s + w]),
          });
        }
        const decoded = await model.decode(candidates.map((c) => c.path));
        const original = (await model.decode([source]))[0];
        const originalExcess = clickExcessDb(original, sampleRate);
        // The source's own click level: the worst 5 ms excess anywhere in its own decode.
        let baselineDb = Number.NEGATIVE_INFINITY;
        for (const v of originalExcess.excessDb) baselineDb = Math.max(baselineDb, v);
        for (const [i, c] of candidates.entries()) {
          const steps = latentSteps(c.path);
          const excess = clickExcessDb(decoded[i], sampleRate);
          let seamStep = 0;
          let clickDb = Number.NEGATIVE_INFINITY;
          for (const s of c.seams) {
            if (s >= frames - 1) continue;
            for (const k of [s - 1, s])
              if (k >= 0 && k < steps.length) seamStep = Math.max(seamStep, steps[k]);
            clickDb = Math.max(
              clickDb,
              clickExcessAt(excess, s * hop, hop / sampleRate, sampleRate),
            );
          }
          let largestStep = 0;
          for (const v of steps) largestStep = Math.max(largestStep, v);
          rows.push({
            source: `${theme}/${file}`,
            fit: c.fit,
            ownStep,
            largestStep,
            seamStep,
            clickDb,
            baselineDb,
          });
          if (wavDir) {
            await writeWav(join(wavDir, `${theme}-${file}-${c.fit}.wav`), decoded[i], sampleRate, {
              format: 'float32',
            });
          }
        }
      }
    }
  } finally {
    await model.close();
  }
  const fits = [...new Set(rows.map((r) => r.fit))];
  process.stdout.write('source\tfit\town\tlargest\tseamStep/own\tclickDb\tsourceWorstDb\n');
  for (const r of rows) {
    process.stdout.write(
      `${r.source}\t${r.fit}\t${r.ownStep.toFixed(3)}\t${r.largestStep.toFixed(3)}\t${(r.seamStep / r.ownStep).toFixed(2)}\t${r.clickDb.toFixed(1)}\t${r.baselineDb.toFixed(1)}\n`,
    );
  }
  process.stdout.write(
    '\nsummary (over sources): fit, max largest/own, median seam click dB, max seam click dB, sources with click > 6 dB\n',
  );
  for (const fit of fits) {
    const mine = rows.filter((r) => r.fit === fit);
    const ratio = Math.max(...mine.map((r) => r.largestStep / r.ownStep));
    const clicks = mine.map((r) => r.clickDb).sort((a, b) => a - b);
    const over = clicks.filter((c) => c > 6).length;
    process.stdout.write(
      `${fit}\t${ratio.toFixed(2)}\t${clicks[clicks.length >> 1].toFixed(1)}\t${clicks[clicks.length - 1].toFixed(1)}\t${over}/${clicks.length}\n`,
    );
  }
}

await main();
