/**
 * "How it sounds": for each clip, a PNG with the spectrogram of the original on top and below it
 * each model's reconstruction (encode + decode, seed 0), plus the listening measures per row.
 *
 *   npx tsx scripts/how-it-sounds.ts --models 0.2.0=DIR,0.3.0=models/default \
 *     --clip speech=path.wav@0:4 --clip animal=other.wav --out docs/img
 *
 * `@FROM:TO` picks seconds of the clip (default the first 4 s). Rows: original, then models in
 * the order given, 6 white pixel rows apart. Writes OUT/sound-<label>.png and prints one JSON line
 * per clip and row with frame periodicity, frame-grid peak share and pitch kept.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMono } from '../src/audio/index.js';
import { framePeriodicity, gridPeakShare, pitchKept } from '../src/eval/listening.js';
import { openAutoencoder } from '../src/model/index.js';
import { encodePng, spectrogramRgb } from './spectrogram.js';

const GAP = 6;

function parseArgs(argv: string[]) {
  const models: Array<{ label: string; dir: string }> = [];
  const clips: Array<{ label: string; path: string; from: number; to: number }> = [];
  let out = 'docs/img';
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === '--models') {
      for (const item of value.split(',')) {
        const [label, dir] = item.split('=');
        models.push({ label, dir });
      }
      i++;
    } else if (argv[i] === '--clip') {
      const [label, rest] = value.split('=');
      const [path, range] = rest.split('@');
      const [from, to] = (range ?? '0:4').split(':').map(Number);
      clips.push({ label, path, from, to });
      i++;
    } else if (argv[i] === '--out') {
      out = value;
      i++;
    }
  }
  if (models.length === 0 || clips.length === 0) {
    process.stderr.write(
      'usage: tsx scripts/how-it-sounds.ts --models L=DIR,… --clip L=FILE[@FROM:TO] … [--out DIR]\n',
    );
    process.exit(2);
  }
  return { models, clips, out };
}

async function main(): Promise<void> {
  const { models, clips, out } = parseArgs(process.argv.slice(2));
  mkdirSync(out, { recursive: true });
  const opened = [];
  for (const m of models) opened.push({ label: m.label, model: await openAutoencoder(m.dir) });
  for (const clip of clips) {
    const audio = await loadMono(clip.path);
    const rate = audio.sampleRate;
    const original = audio.samples.slice(Math.round(clip.from * rate), Math.round(clip.to * rate));
    const rows: Array<{ label: string; samples: Float32Array }> = [
      { label: 'original', samples: original },
    ];
    for (const { label, model } of opened) {
      const embedding = await model.encode({ sampleRate: rate, samples: original });
      const [decoded] = await model.decode([embedding], { seed: 0 });
      rows.push({ label, samples: decoded.subarray(0, original.length) });
    }
    const images = rows.map((r) => spectrogramRgb(r.samples, rate));
    const width = Math.max(...images.map((im) => im.width));
    const height = images.reduce((h, im) => h + im.height, 0) + GAP * (images.length - 1);
    const rgb = new Uint8Array(width * height * 3).fill(255);
    let y0 = 0;
    for (const im of images) {
      for (let y = 0; y < im.height; y++) {
        rgb.set(im.rgb.subarray(y * im.width * 3, (y + 1) * im.width * 3), (y0 + y) * width * 3);
      }
      y0 += im.height + GAP;
    }
    const file = join(out, `sound-${clip.label}.png`);
    writeFileSync(file, encodePng(width, height, rgb));
    for (const r of rows) {
      const line = {
        clip: clip.label,
        row: r.label,
        framePeriodicity: framePeriodicity(r.samples),
        gridPeakShare: gridPeakShare(r.samples),
        pitchKept: pitchKept(original, r.samples),
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
    process.stdout.write(`${file}: rows ${rows.map((r) => r.label).join(', ')}\n`);
  }
  for (const { model } of opened) await model.close();
}

await main();
