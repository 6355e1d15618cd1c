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
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { prepFiles } from '../src/audio/index.js';
import { readCorpusManifest } from '../src/commons/fixture/wiki.js';

const SOURCES = ['corpus', 'training'] as const;

export interface SharedTrainingResult {
  out: string;
  /** One record per prepared file: its manifest row plus source, wav (id), seconds, origRate. */
  credits: Array<Record<string, unknown>>;
  failures: Array<{ file: string; error: string }>;
}

/** Prepares `<shared>/corpus` and `<shared>/training` (each with a manifest.csv) into `out`. */
export async function prepareSharedTraining(
  shared: string,
  outDir: string,
  onLog: (line: string) => void = () => {},
): Promise<SharedTrainingResult> {
  const out = resolve(outDir);
  // Prep's own outputs live beside the result, not inside it: the trainer reads every WAV below it.
  const stage = `${out}.stage`;
  const credits: Array<Record<string, unknown>> = [];
  const failures: Array<{ file: string; error: string }> = [];
  for (const source of SOURCES) {
    const root = join(resolve(shared), source);
    const rows = readCorpusManifest(root);
    const inputs = rows.map((row) => join(root, row.file));
    const summary = await prepFiles(inputs, {
      outDir: join(stage, source),
      onProgress: ({ completed, total }) => {
        if (completed > 0 && completed % 50 === 0) onLog(`${source}: ${completed}/${total}`);
      },
    });
    const byInput = new Map(summary.files.map((f) => [f.input, f]));
    for (const [i, row] of rows.entries()) {
      const result = byInput.get(inputs[i]);
      if (!result || result.status === 'failed') {
        failures.push({ file: inputs[i], error: result?.error?.message ?? 'not prepared' });
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
  return { out, credits, failures };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, shared: { type: 'string', default: '../shared' } },
  });
  if (!values.out) throw new Error('usage: prepare-shared-training.ts --out DIR [--shared DIR]');
  const r = await prepareSharedTraining(values.shared ?? '../shared', values.out, (line) =>
    process.stderr.write(`${line}\n`),
  );
  for (const f of r.failures) process.stderr.write(`failed: ${f.file}: ${f.error}\n`);
  process.stdout.write(`${r.credits.length} files in ${r.out} (${r.failures.length} failed)\n`);
  if (r.failures.length > 0) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href)
  await main();
