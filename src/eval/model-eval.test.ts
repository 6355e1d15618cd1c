import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../test/helpers/cli.js';
import {
  referenceDecode,
  referenceEncode,
  type TinyParallelWeights,
  writeTinyParallelPackage,
} from '../../test/helpers/parallel-ae.js';
import { codecsDir, corpusDir, corpusManifest } from '../../test/helpers/shared.js';
import { loadMono } from '../audio/index.js';
import { openManifest } from '../dataset/index.js';
import { baselineScores } from './baselines.js';
import { evaluate } from './metrics.js';
import { type EvalReport, evaluateModel } from './model-eval.js';

let work: string;
let modelDir: string;
let weights: TinyParallelWeights;
// One corpus file from each of three themes, cropped to 2 s to keep the test fast.
const picks = ['animal', 'music', 'nature'].map(
  (theme) => corpusManifest().find((row) => row.theme === theme)!,
);
const files = picks.map((row) => join(corpusDir(), row.file));

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'commonsynth-eval-'));
  modelDir = join(work, 'tiny');
  weights = await writeTinyParallelPackage(modelDir, { hop: 512, dims: 16, seed: 3 });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('evaluateModel', () => {
  let report: EvalReport;
  beforeAll(async () => {
    report = await evaluateModel([...files, join(codecsDir(), 'broken-file.ogg')], {
      model: modelDir,
      maxSeconds: 2,
      threads: 1,
    });
  });

  it('scores each original against its reconstruction, with both baselines', async () => {
    expect(report.clips.map((c) => c.file)).toEqual(files);
    for (const clip of report.clips) {
      // Recompute independently: the tiny model's maths in float64, the metric on the result.
      const audio = await loadMono(clip.file);
      const original = audio.samples.subarray(0, 32000);
      const frames = Math.ceil(original.length / 512);
      const latents = Float32Array.from(referenceEncode(weights, original));
      const reconstruction = Float32Array.from(referenceDecode(weights, latents, frames)).subarray(
        0,
        original.length,
      );
      const expected = evaluate(original, reconstruction);
      expect(clip.seconds).toBe(2);
      expect(clip.model.stft.total).toBeCloseTo(expected.stft.total, 3);
      expect(clip.model.logMelL1Db).toBeCloseTo(expected.logMelL1Db, 2);
      const baselines = baselineScores(original);
      expect(clip.silence).toEqual(baselines.silence);
      expect(clip.noise).toEqual(baselines.noise);
      // Real recordings: silence is the worse baseline on both measures.
      expect(clip.silence.stft.total).toBeGreaterThan(clip.noise.stft.total);
      expect(clip.silence.logMelL1Db).toBeGreaterThan(clip.noise.logMelL1Db);
    }
  });

  it('groups by theme (the parent folder) and overall, as means over clips', () => {
    expect(Object.keys(report.themes)).toEqual(['animal', 'music', 'nature']);
    for (const clip of report.clips) {
      expect(report.themes[clip.theme].clips).toBe(1);
      expect(report.themes[clip.theme].model.stft).toBe(clip.model.stft.total);
    }
    const overall = report.overall!;
    expect(overall.clips).toBe(3);
    const meanStft = report.clips.reduce((a, c) => a + c.model.stft.total, 0) / 3;
    expect(overall.model.stft).toBeCloseTo(meanStft, 12);
    // A random linear model does not beat "the original plus -20 dB noise".
    expect(overall.beatsNoise.stft).toBe(false);
  });

  it('records a broken file as a failure and goes on', () => {
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0].file).toMatch(/broken-file\.ogg$/);
    expect(report.model).toMatchObject({ name: 'tiny', family: 'parallel-ae' });
  });

  it('takes themes from a CSV manifest when given one', async () => {
    const dir = join(work, 'flat');
    await mkdir(dir);
    await symlink(files[0], join(dir, 'a.flac'));
    await writeFile(join(dir, 'themes.csv'), 'file,theme\na.flac,birds\n');
    const r = await evaluateModel([dir], {
      model: modelDir,
      manifest: join(dir, 'themes.csv'),
      maxSeconds: 1,
    });
    expect(Object.keys(r.themes)).toEqual(['birds']);
  });
});

describe('themes from a dataset manifest', () => {
  it('uses the theme the dataset recorded for each downloaded file', async () => {
    const dataDir = join(work, 'dataset');
    const row = picks[0];
    await mkdir(join(dataDir, 'files'), { recursive: true });
    const local = join(dataDir, 'files', 'clip.flac');
    await copyFile(join(corpusDir(), row.file), local);
    const manifest = openManifest(dataDir);
    try {
      manifest.addListed({
        pageId: 1,
        title: `File:${row.title}.flac`,
        info: {
          url: row.source_url,
          descriptionurl: row.source_url,
          size: Number(row.bytes),
          sha1: row.sha1,
          mime: 'audio/flac',
          mediatype: 'AUDIO',
        },
        license: {
          title: `File:${row.title}.flac`,
          author: row.author,
          source: row.source_url,
          license: row.license,
          licenseKind: 'cc0',
          attributionRequired: false,
        },
        category: 'Test sounds',
        theme: 'critters',
      });
      manifest.markDownloaded(row.sha1, 'files/clip.flac');
    } finally {
      manifest.close();
    }
    const r = await evaluateModel([local], { model: modelDir, manifest: dataDir, maxSeconds: 1 });
    expect(Object.keys(r.themes)).toEqual(['critters']);
  });
});

describe('commonsynth eval', () => {
  it('prints per-theme rows and overall next to the baselines', async () => {
    const { code, out } = await cli('eval', files[0], '--model', modelDir, '--max-seconds', '1');
    expect(code).toBe(0);
    expect(out).toMatch(/THEME\s+CLIPS\s+STFT model\s+noise\s+silence/);
    expect(out).toMatch(/^animal\s+1\s+\d+\.\d{3}/m);
    expect(out).toMatch(/^overall\s+1\s/m);
  });

  it('prints JSON with --json and exits 1 when a file failed', async () => {
    const { code, out } = await cli(
      'eval',
      files[1],
      join(codecsDir(), 'broken-file.ogg'),
      '--model',
      modelDir,
      '--max-seconds',
      '1',
      '--json',
    );
    expect(code).toBe(1);
    const report = JSON.parse(out) as EvalReport;
    expect(report.clips).toHaveLength(1);
    expect(report.failures).toHaveLength(1);
    expect(report.overall?.clips).toBe(1);
  });
});

describe("--split: the model's own held-out files", () => {
  let dataDir: string;
  let splitModel: string;
  // Recorded paths as the trainer writes them: theme folder / file, under its prepped data folder.
  const ids = picks.map((row) => `${row.theme}/${row.file.split('/').pop()}`);

  beforeAll(async () => {
    dataDir = join(work, 'prepped');
    splitModel = join(work, 'tiny-split');
    await writeTinyParallelPackage(splitModel, { hop: 512, dims: 16, seed: 3 });
    for (const [i, id] of ids.entries()) {
      await mkdir(join(dataDir, id, '..'), { recursive: true });
      await copyFile(files[i], join(dataDir, id));
    }
    // Two held out, one trained on: --split val must take exactly the two.
    await writeFile(
      join(splitModel, 'training.json'),
      JSON.stringify({ valFiles: [ids[0], ids[2]], trainFiles: [ids[1]] }),
    );
  });

  it('evaluates exactly the files training.json lists, themed by their recorded folder', async () => {
    const bySplit = await evaluateModel([dataDir], {
      model: splitModel,
      split: 'val',
      maxSeconds: 1,
      threads: 1,
    });
    expect(bySplit.clips.map((c) => c.file)).toEqual([
      join(dataDir, ids[0]),
      join(dataDir, ids[2]),
    ]);
    expect(Object.keys(bySplit.themes)).toEqual([picks[0].theme, picks[2].theme].sort());
    // The same files given directly score the same: the split only chooses files.
    const direct = await evaluateModel([join(dataDir, ids[0]), join(dataDir, ids[2])], {
      model: splitModel,
      maxSeconds: 1,
      threads: 1,
    });
    expect(bySplit.overall?.model).toEqual(direct.overall?.model);
    const train = await evaluateModel([dataDir], {
      model: splitModel,
      split: 'train',
      maxSeconds: 1,
      threads: 1,
    });
    expect(train.clips.map((c) => c.file)).toEqual([join(dataDir, ids[1])]);
  });

  it('names the files it cannot find, and a package without a training record', async () => {
    await expect(
      evaluateModel([join(work, 'elsewhere')], { model: splitModel, split: 'val', threads: 1 }),
    ).rejects.toThrow(/2 of the 2 val files .* not under .*elsewhere.*\(.*\.(flac|wav|ogg)/);
    await expect(
      evaluateModel([dataDir], { model: modelDir, split: 'val', threads: 1 }),
    ).rejects.toThrow(/training\.json.*cannot read the model's training record/);
  });

  it('commonsynth eval --split val prints the held-out files per theme; a bad split is refused', async () => {
    const ok = await cli(
      'eval',
      dataDir,
      '--model',
      splitModel,
      '--split',
      'val',
      '--max-seconds',
      '1',
      '--json',
    );
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.out) as EvalReport).clips).toHaveLength(2);
    const bad = await cli('eval', dataDir, '--model', splitModel, '--split', 'test');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--split must be val or train, got test/);
  });
});
