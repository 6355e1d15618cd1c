import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMono, prepFiles, ResampleError, writeWav } from '../../src/audio/index.js';
import { cli } from '../helpers/cli.js';
import { corpusDir, corpusManifest } from '../helpers/shared.js';

/**
 * Issue 12, defect 12: messages that said the wrong thing. Each names the file it is about and
 * says what is wrong in words, with the right code.
 */
let work: string;
let audio: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'commonsynth-messages-'));
  audio = join(corpusDir(), corpusManifest()[0].file);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('file-system failures, in words', () => {
  it('prep --out naming a file is a usage error, not INTERNAL "EEXIST … mkdir"', async () => {
    const file = join(work, 'afile');
    await writeFile(file, 'not a folder');
    const r = await cli('prep', audio, '--out', file);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`the output folder ${file} is a file, not a folder`);
    expect(r.err + r.out).not.toMatch(/EEXIST|INTERNAL/);
  });

  it('prep: a file in the way of an output sub-folder is FILE_ACCESS, naming it', async () => {
    const input = join(work, 'in', 'sub');
    await mkdir(input, { recursive: true });
    await writeFile(join(input, 'x.flac'), await readFile(audio));
    await writeFile(join(work, 'in', 'other.flac'), await readFile(audio));
    const out = join(work, 'prep-out');
    await mkdir(out);
    await writeFile(join(out, 'sub'), 'a file where prep needs a folder');
    const summary = await prepFiles([join(work, 'in')], { outDir: out, quality: 'fastest' });
    const failed = summary.files.find((f) => f.status === 'failed');
    expect(failed?.error).toEqual({
      code: 'FILE_ACCESS',
      message: expect.stringContaining(`${join(out, 'sub')}: cannot `),
    });
    expect(failed?.error?.message).not.toMatch(/EEXIST|ENOTDIR/);
    expect(summary.done).toBe(1);
  });

  it('a folder given as a recipe or an embedding is named and called a folder (was a bare EISDIR)', async () => {
    const folder = join(work, 'clip_embeddings.npy');
    await mkdir(folder);
    const r = await cli('mashup', folder, folder, '--out', join(work, 'm.recipe.json'));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${folder}: cannot read file: it is a folder, not a file`);
    const recipes = join(work, 'r.recipe.json');
    await mkdir(recipes);
    const s = await cli('synth', recipes, '--out', join(work, 'synth'), '--json');
    expect(JSON.parse(s.out).failures[0].error).toBe(
      `${recipes}: cannot read recipe: it is a folder, not a file`,
    );
  });
});

describe('resampling a file', () => {
  it('a rate that cannot be converted names the file and is not a usage error', async () => {
    // A real recording whose header claims 5 MHz: beyond 1:256 of 16 kHz.
    const wav = join(work, 'five-megahertz.wav');
    const mono = await loadMono(audio, { sampleRate: 16000, quality: 'fastest' });
    await writeWav(wav, mono.samples.subarray(0, 16000), 5_000_000);
    const error = await loadMono(wav).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResampleError);
    expect((error as ResampleError).code).toBe('UNSUPPORTED_RATE');
    expect((error as Error).message).toMatch(
      new RegExp(`^${wav}: cannot resample its 5000000 Hz to 16000 Hz: ratio`),
    );
    const summary = await prepFiles([wav], { outDir: join(work, 'rate-out') });
    expect(summary.files[0].error?.code).toBe('UNSUPPORTED_RATE');
    expect(summary.files[0].error?.message).toContain(wav);
  });
});

describe('--model naming a file', () => {
  it('says it is a file, not that it does not exist', async () => {
    const r = await cli('encode', audio, '--out', join(work, 'enc'), '--model', audio);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`model ${audio} is a file, not a model package folder`);
    expect(r.err).not.toContain('does not exist');
  });
});
