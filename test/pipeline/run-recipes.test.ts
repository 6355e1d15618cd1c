import { cp, mkdtemp, readFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav } from '../../src/audio/index.js';
import { evaluate } from '../../src/eval/index.js';
import type { RunReport } from '../../src/pipeline/run.js';
import type { Credits } from '../../src/sequencer/index.js';
import { cli } from '../helpers/cli.js';
import { corpusDir } from '../helpers/shared.js';

// `run` and `synth` as a user types them: relative paths, from the working directory, with the
// shipped default model (fast enough: parallel decoding) and a private $COMMONSYNTH_HOME store.
let work: string;
let rel: (path: string) => string;
const savedHome = process.env.COMMONSYNTH_HOME;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'commonsynth-run-recipes-'));
  process.env.COMMONSYNTH_HOME = join(work, 'home');
  rel = (path) => relative(process.cwd(), path);
  await cp(join(corpusDir(), 'audio', 'nature'), join(work, 'sounds', 'nature'), {
    recursive: true,
  });
  await cp(join(corpusDir(), 'manifest.csv'), join(work, 'sounds', 'manifest.csv'));
});

afterAll(() => {
  if (savedHome === undefined) delete process.env.COMMONSYNTH_HOME;
  else process.env.COMMONSYNTH_HOME = savedHome;
});

async function synthClip(recipe: string, out: string): Promise<Float32Array> {
  const result = await cli('synth', rel(recipe), '--out', rel(out), '--json');
  expect(result.code, result.err + result.out).toBe(0);
  const { outputs } = JSON.parse(result.out) as { outputs: { output: string }[] };
  return (await readWav(outputs[0].output)).channels[0];
}

describe('recipes written by run --source with a relative path (issue 12 #6)', () => {
  it('are read by synth, and when the sources move, from the embedding store by sha1', async () => {
    const out = join(work, 'out');
    const run = await cli(
      'run',
      '--source',
      rel(join(work, 'sounds', 'nature')),
      '--pairs',
      '2',
      '--length',
      '6',
      '--seed',
      '3',
      '--out',
      rel(out),
      '--json',
    );
    expect(run.code, run.err).toBe(0);
    const report = JSON.parse(run.out) as RunReport;
    expect(report.clips).toHaveLength(2);
    // The same run credits its sources from the manifest, not as unknown local files (#2).
    const credits = JSON.parse(await readFile(join(out, 'credits.json'), 'utf8')) as Credits;
    for (const source of credits.sources) expect(source.license).not.toMatch(/unknown/);

    const clip = (await readWav(join(out, report.clips[0].file))).channels[0];
    const recipe = join(out, report.clips[0].recipe);
    // The default model's decoder filters seeded noise, and run draws it from the run's seed and the
    // clip's name where synth draws from --seed: the same latents, another noise realisation. So
    // synth's audio is the run's clip in its spectrum (log-mel within a few dB), and the renders
    // before and after the move are the same bytes (the same embedding was found).
    const first = await synthClip(recipe, join(work, 'synth-1'));
    const near = (a: Float32Array) => {
      expect(a.length).toBe(clip.length);
      expect(evaluate(clip, a).logMelL1Db).toBeLessThan(3);
      expect(Buffer.from(a.buffer).equals(Buffer.from(first.buffer))).toBe(true);
    };
    near(first);

    // The sources' folder is renamed: the recipe's paths now point nowhere.
    await rename(join(work, 'sounds'), join(work, 'moved'));
    near(await synthClip(recipe, join(work, 'synth-2')));
  });
});
