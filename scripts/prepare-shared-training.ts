/**
 * The trainer's data folder for the shipped model, from the shared corpus and training set:
 * `<out>/<theme>/<source>__<name>.wav` (16 kHz mono, `commonsynth prep`'s defaults) and
 * `<out>/credits.json` (each file's manifest row, for the model card).
 *
 * The file names are the ids the shipped model's training.json and the trainer's split use, so a
 * run continued from `train/checkpoints/` holds out the same files. Plain `commonsynth prep` of the
 * two folders would mirror `corpus/…` and `training/…`, making those the themes.
 *
 * Usage: npx tsx scripts/prepare-shared-training.ts --out prepped/ [--shared ../shared]
 * Resumable: files already prepared are skipped.
 */
import { existsSync } from 'node:fs';
import { link, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { prepFiles } from '../src/audio/index.js';
import { readCorpusManifest } from '../src/commons/fixture/wiki.js';

const SOURCES = ['corpus', 'training'] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, shared: { type: 'string', default: '../shared' } },
  });
  if (!values.out) throw new Error('usage: prepare-shared-training.ts --out DIR [--shared DIR]');
  const out = resolve(values.out);
  // Prep's own outputs live beside the result, not inside it: the trainer reads every WAV below it.
  const stage = `${out}.stage`;
  const credits: Array<Record<string, unknown>> = [];
  let failed = 0;
  for (const source of SOURCES) {
    const root = join(resolve(values.shared ?? '../shared'), source);
    const rows = readCorpusManifest(root);
    const inputs = rows.map((row) => join(root, row.file));
    let done = 0;
    const summary = await prepFiles(inputs, {
      outDir: join(stage, source),
      onProgress: ({ total }) => {
        done += 1;
        if (done % 50 === 0) process.stderr.write(`${source}: ${done - 1}/${total}\n`);
      },
    });
    const byInput = new Map(summary.files.map((f) => [f.input, f]));
    for (const [i, row] of rows.entries()) {
      const result = byInput.get(inputs[i]);
      if (!result || result.status === 'failed') {
        failed += 1;
        process.stderr.write(`failed: ${inputs[i]}: ${result?.error?.message ?? 'not prepared'}\n`);
        continue;
      }
      const wav = `${row.theme}/${source}__${basename(row.file, extname(row.file))}.wav`;
      const target = join(out, wav);
      await mkdir(dirname(target), { recursive: true });
      if (!existsSync(target)) await link(result.output, target);
      credits.push({
        ...row,
        source,
        wav,
        seconds: result.durationSeconds,
        origRate: result.sampleRateIn,
      });
    }
  }
  await writeFile(join(out, 'credits.json'), `${JSON.stringify(credits, null, 1)}\n`);
  process.stdout.write(
    `${credits.length} files in ${out} (${failed} failed); prep's copies in ${stage}\n`,
  );
  if (failed > 0) process.exitCode = 1;
}

await main();
