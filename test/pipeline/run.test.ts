import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readWav } from '../../src/audio/index.js';
import { choosePairs, drawPairs, type RunReport, runPipeline } from '../../src/pipeline/run.js';
import type { Credits } from '../../src/sequencer/index.js';
import { builtCli } from '../helpers/cli.js';
import { corpusDir, corpusManifest } from '../helpers/shared.js';
import { makeTinyWaveNetPackage } from '../helpers/tiny-wavenet.js';

const natureDir = (): string => join(corpusDir(), 'audio', 'nature');
const HOP = 512;

let work: string;
let model: string;
let store: string;
let firstOut: string;
let firstReport: RunReport;

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/** The run: 3 pairs of nature sounds, 20 s, seed 7, the tiny model, the shared store. */
function runNature(outDir: string): Promise<RunReport> {
  return runPipeline({
    source: { kind: 'folder', dir: natureDir() },
    outDir,
    pairs: 3,
    lengthSeconds: 20,
    seed: 7,
    model,
    storeDir: store,
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'commonsynth-run-'));
  model = await makeTinyWaveNetPackage(join(work, 'tiny-model'));
  store = join(work, 'embeddings');
  firstOut = join(work, 'first');
  firstReport = await runNature(firstOut);
});

describe('pairs', () => {
  it('gives every source to one pair when there are enough', () => {
    expect(choosePairs(10, 3, 1)).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
  });

  it('draws distinct, non-repeating pairs from few sources, reproducibly', () => {
    const pairs = drawPairs(3, 3, 5);
    expect(pairs).toEqual(drawPairs(3, 3, 5));
    const keys = pairs.map(([a, b]) => [Math.min(a, b), Math.max(a, b)].join('-'));
    expect(new Set(keys).size).toBe(3);
    for (const [a, b] of pairs) expect(a).not.toBe(b);
  });
});

describe('run --source (local folder)', () => {
  it('writes a track of the asked length, one clip per pair, and a report', async () => {
    const track = await readWav(join(firstOut, 'track.wav'));
    expect(track.sampleRate).toBe(16000);
    expect(Math.abs(track.channels[0].length - 20 * 16000)).toBeLessThanOrEqual(HOP);
    expect(firstReport.clips).toHaveLength(3);
    for (const clip of firstReport.clips) {
      expect(existsSync(join(firstOut, clip.file))).toBe(true);
      expect(existsSync(join(firstOut, clip.recipe))).toBe(true);
      expect(clip.sources).toHaveLength(2);
    }
    const report = await readJson<RunReport>(join(firstOut, 'run.json'));
    expect(report.counts).toMatchObject({ clips: 3, encoded: 6, failed: 0 });
    expect(Object.keys(report.timings)).toEqual(
      expect.arrayContaining(['sources', 'encode', 'mashup', 'synth', 'sequence', 'credits']),
    );
  });

  it('credits exactly the source files used, with their licenses from the manifest', async () => {
    const manifest = new Map(corpusManifest().map((row) => [row.file, row]));
    const used = new Set(firstReport.clips.flatMap((clip) => clip.sources));
    expect(used.size).toBe(6);
    const credits = await readJson<Credits>(join(firstOut, 'credits.json'));
    expect(new Set(credits.sources.map((s) => s.path))).toEqual(used);
    for (const source of credits.sources) {
      const row = manifest.get(relative(corpusDir(), source.path!).split('\\').join('/'));
      expect(row, source.path!).toBeDefined();
      expect(source).toMatchObject({
        title: row!.title,
        author: row!.author,
        license: row!.license,
        sourceUrl: row!.source_url,
        sha1: row!.sha1,
      });
    }
    const text = await readFile(join(firstOut, 'CREDITS.txt'), 'utf8');
    for (const source of credits.sources) expect(text).toContain(source.title);
    // Each clip credits its own two sources.
    for (const [i, clip] of firstReport.clips.entries()) {
      const clipCredits = await readJson<Credits>(
        join(firstOut, 'clips', `clip-0${i + 1}`, 'credits.json'),
      );
      expect(clipCredits.sources.map((s) => s.path).sort()).toEqual([...clip.sources].sort());
      expect(clipCredits.recipe?.sources.map((s) => s.path).sort()).toEqual(
        [...clip.sources].sort(),
      );
    }
  });

  it('gives an identical track from the same seed, reusing the stored embeddings', async () => {
    const out = join(work, 'again');
    const report = await runNature(out);
    expect(report.counts.encodedReused).toBe(6);
    expect(report.counts.clipsReused).toBe(0);
    const a = await readFile(join(firstOut, 'track.wav'));
    const b = await readFile(join(out, 'track.wav'));
    expect(b.equals(a)).toBe(true);
  });
});

describe('a re-run', () => {
  it('re-synthesises only a missing clip, which sounds the same as in a full batch', async () => {
    const out = join(work, 'partial');
    await cp(firstOut, out, { recursive: true });
    await rm(join(out, 'clips', 'clip-02.wav'));
    await rm(join(out, 'track.wav'));
    const report = await runNature(out);
    expect(report.counts.clipsReused).toBe(2);
    expect(report.clips.map((c) => c.reused)).toEqual([true, false, true]);
    const redone = await readFile(join(out, 'clips', 'clip-02.wav'));
    expect(redone.equals(await readFile(join(firstOut, 'clips', 'clip-02.wav')))).toBe(true);
    const track = await readFile(join(out, 'track.wav'));
    expect(track.equals(await readFile(join(firstOut, 'track.wav')))).toBe(true);
  });
});

function runCli(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [builtCli, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, done, stderr: () => stderr };
}

describe('a killed run', () => {
  it('resumes during synthesis without redoing prep/encode, with the same output', async () => {
    const out = join(work, 'killed');
    const home = join(work, 'home');
    const args = [
      'run',
      '--source',
      natureDir(),
      '--pairs',
      '3',
      '--length',
      '20',
      '--seed',
      '7',
      '--model',
      model,
      '--checkpoint-seconds',
      '1',
      '--out',
      out,
    ];
    const first = runCli(args, { COMMONSYNTH_HOME: home });
    // Kill it for real once synthesis has saved state at least once (named after the job).
    const hasState = () =>
      existsSync(out) && readdirSync(out).some((f) => /^\.synth-[0-9a-f]{16}\.state$/.test(f));
    const deadline = Date.now() + 90_000;
    while (!hasState() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(hasState(), first.stderr()).toBe(true);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(join(out, 'track.wav'))).toBe(false);

    const second = runCli([...args, '--json'], { COMMONSYNTH_HOME: home });
    let stdout = '';
    second.child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const finished = await second.done;
    expect(finished.code, second.stderr()).toBe(0);
    const report = JSON.parse(stdout) as RunReport;
    expect(report.counts.encoded).toBe(6);
    expect(report.counts.encodedReused).toBe(6);
    const resumed = await readFile(join(out, 'track.wav'));
    const uninterrupted = await readFile(join(firstOut, 'track.wav'));
    expect(resumed.equals(uninterrupted)).toBe(true);
  });
});
