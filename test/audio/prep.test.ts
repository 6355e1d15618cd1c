import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeAudioFile,
  findAudioFiles,
  type PrepProgress,
  type PrepSummary,
  prepFiles,
  readWav,
} from '../../src/audio/index.js';
import { UsageError } from '../../src/errors.js';
import { builtCli, runBuiltCli } from '../helpers/cli.js';
import { codecsDir } from '../helpers/shared.js';

const codec = (name: string) => join(codecsDir(), name);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'commonsynth-prep-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const GOOD = {
  'song.flac': 'bunny.stereo.audio.flac',
  'rain.ogg': 'bunny.stereo.audio.vorbis.ogg',
  'more/bunny.mp3': 'bunny.stereo.audio.mp3',
  'more/deeper/bunny.opus': 'bunny.stereo.audio.opus',
  'more/surround.flac': 'bunny.surround.audio.flac',
};

/** A folder of good files and every kind of bad one, as a user's download folder might be. */
async function mixedFolder(name: string): Promise<string> {
  const root = join(dir, name);
  for (const [target, source] of Object.entries(GOOD)) {
    await mkdir(join(root, target, '..'), { recursive: true });
    await copyFile(codec(source), join(root, target));
  }
  await copyFile(codec('broken-file.ogg'), join(root, 'broken-file.ogg'));
  await copyFile(codec('chord.mid'), join(root, 'chord.mid'));
  await writeFile(join(root, 'notes.ogg'), 'Recorded at dawn. CC BY 4.0\n');
  await writeFile(join(root, 'empty.wav'), '');
  const flac = readFileSync(codec('bunny.stereo.audio.flac'));
  await writeFile(join(root, 'more', 'truncated.flac'), flac.subarray(0, flac.length >> 1));
  // Not audio by extension: ignored when found inside a folder.
  await writeFile(join(root, 'README.txt'), 'not audio');
  return root;
}

const BAD: Record<string, string> = {
  'broken-file.ogg': 'CORRUPT_AUDIO',
  'chord.mid': 'UNSUPPORTED_FORMAT',
  'notes.ogg': 'UNSUPPORTED_FORMAT',
  'empty.wav': 'CORRUPT_AUDIO',
  'more/truncated.flac': 'CORRUPT_AUDIO',
};

function byInput(summary: PrepSummary, root: string, rel: string) {
  const file = summary.files.find((f) => f.input === join(root, rel));
  if (!file) throw new Error(`no result for ${rel}`);
  return file;
}

describe('findAudioFiles', () => {
  it('walks depth first in code-unit order, skipping hidden entries, by extension and link option', async () => {
    const root = join(dir, 'find');
    for (const rel of [
      'b.WAV',
      'a/z.flac',
      'a-b/y.ogg',
      'a/.hidden.wav',
      '.cache/x.wav',
      'score.mid',
      'notes.txt',
    ]) {
      await mkdir(join(root, rel, '..'), { recursive: true });
      await writeFile(join(root, rel), '');
    }
    await symlink(join(root, 'b.WAV'), join(root, 'c.wav'));
    const found = async (options?: Parameters<typeof findAudioFiles>[1]) =>
      (await findAudioFiles(root, options)).map((f) => f.slice(root.length + 1));
    expect(await found()).toEqual(['a/z.flac', 'a-b/y.ogg', 'b.WAV', 'c.wav', 'score.mid']);
    expect(
      await found({ extensions: ['.wav', '.flac'], links: false, skip: join(root, 'a') }),
    ).toEqual(['b.WAV']);
  });
});

describe('prepFiles', () => {
  it('converts the good files, reports the bad ones, and mirrors the folders', async () => {
    const root = await mixedFolder('mixed');
    const out = join(dir, 'out-mixed');
    const events: PrepProgress[] = [];
    const summary = await prepFiles([root], { outDir: out, onProgress: (p) => events.push(p) });
    expect(summary.total).toBe(10);
    expect(summary.done).toBe(5);
    expect(summary.failed).toBe(5);
    expect(summary.skipped).toBe(0);
    for (const [rel, code] of Object.entries(BAD)) {
      const result = byInput(summary, root, rel);
      expect(result.status, rel).toBe('failed');
      expect(result.error?.code, rel).toBe(code);
      expect(result.error?.message, rel).toContain(join(root, rel));
      expect(existsSync(result.output), rel).toBe(false);
    }
    for (const rel of Object.keys(GOOD)) {
      const result = byInput(summary, root, rel);
      expect(result.status, rel).toBe('done');
      expect(result.output).toBe(join(out, rel.replace(/\.[a-z0-9]+$/, '.wav')));
      expect(result.sampleRateIn).toBe(48000);
      const wav = await readWav(result.output);
      expect(wav.sampleRate).toBe(16000);
      expect(wav.channels.length).toBe(1);
      expect(wav.format).toBe('pcm16');
      expect(wav.channels[0].length).toBe(16000);
      expect(result.durationSeconds).toBe(1);
    }
    // One event before the work, then one per file.
    expect(events.map((e) => e.completed)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(events.every((e) => e.total === 10)).toBe(true);
    // No temporary files left behind.
    const leftovers = (await readdir(out, { recursive: true })).filter((f) => f.includes('.tmp'));
    expect(leftovers).toEqual([]);
  });

  it('skips up-to-date outputs, and redoes them when the input or the options change', async () => {
    const root = await mixedFolder('rerun');
    const out = join(dir, 'out-rerun');
    await prepFiles([root], { outDir: out });
    const again = await prepFiles([root], { outDir: out });
    expect([again.done, again.skipped, again.failed]).toEqual([0, 5, 5]);
    expect(byInput(again, root, 'rain.ogg').durationSeconds).toBe(1);

    // A changed input is redone.
    const later = new Date(Date.now() + 5000);
    await utimes(join(root, 'rain.ogg'), later, later);
    const touched = await prepFiles([root], { outDir: out });
    expect(byInput(touched, root, 'rain.ogg').status).toBe('done');
    expect([touched.done, touched.skipped]).toEqual([1, 4]);

    // Changed options redo everything, and take effect.
    const peak = await prepFiles([root], { outDir: out, normalize: 'peak', format: 'float32' });
    expect([peak.done, peak.skipped]).toEqual([5, 0]);
    const wav = await readWav(byInput(peak, root, 'song.flac').output);
    expect(wav.format).toBe('float32');
    const top = wav.channels[0].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(top).toBeCloseTo(10 ** (-1 / 20), 5);
    const rate = await prepFiles([root], {
      outDir: out,
      normalize: 'peak',
      format: 'float32',
      sampleRate: 22050,
    });
    expect(rate.done).toBe(5);
    expect((await readWav(byInput(rate, root, 'song.flac').output)).channels[0].length).toBe(22050);
  });

  it('gives files that would share an output name distinct names', async () => {
    const root = join(dir, 'clash');
    await mkdir(root, { recursive: true });
    await copyFile(codec('bunny.stereo.audio.flac'), join(root, 'x.flac'));
    await copyFile(codec('bunny.stereo.audio.vorbis.ogg'), join(root, 'x.ogg'));
    // x.flac.webm would become x.flac.wav, the name x.flac already needed: it keeps its own.
    await copyFile(codec('bunny.stereo.audio.opus.webm'), join(root, 'x.flac.webm'));
    await copyFile(codec('bunny.stereo.audio.mp3'), join(root, 'z.mp3'));
    const out = join(dir, 'out-clash');
    const summary = await prepFiles([root, join(root, 'x.flac')], {
      outDir: out,
      quality: 'fastest',
    });
    expect(summary.files.map((f) => f.output.slice(out.length + 1)).sort()).toEqual([
      'x.flac.wav',
      'x.flac.webm.wav',
      'x.ogg.wav',
      'z.wav',
    ]);
  });

  it('mirrors paths relative to the common folder of several inputs', async () => {
    const a = join(dir, 'two', 'a');
    const b = join(dir, 'two', 'b');
    await mkdir(a, { recursive: true });
    await mkdir(b, { recursive: true });
    await copyFile(codec('bunny.stereo.audio.flac'), join(a, 'same.flac'));
    await copyFile(codec('bunny.stereo.audio.flac'), join(b, 'same.flac'));
    const out = join(dir, 'out-two');
    const summary = await prepFiles([a, join(b, 'same.flac')], { outDir: out, quality: 'fastest' });
    expect(summary.files.map((f) => f.output)).toEqual([
      join(out, 'a', 'same.wav'),
      join(out, 'b', 'same.wav'),
    ]);
  });

  it('rejects bad options and missing inputs with UsageError', async () => {
    await expect(prepFiles([], { outDir: dir })).rejects.toThrow(UsageError);
    await expect(prepFiles([join(dir, 'nope')], { outDir: dir })).rejects.toThrow(
      /no such file or folder/,
    );
    await expect(prepFiles([dir], { outDir: dir, sampleRate: 0 })).rejects.toThrow(UsageError);
    await expect(
      prepFiles([dir], { outDir: dir, normalize: 'loud' as unknown as 'peak' }),
    ).rejects.toThrow(/normalize/);
  });
});

describe('commonsynth prep (the built CLI)', () => {
  beforeAll(() => {
    if (!existsSync(builtCli))
      throw new Error(`${builtCli} is missing: run \`npm run build\` first`);
  });

  const runCli = (args: string[]) => runBuiltCli(args, { timeout: 120_000 });

  it('exits 1 on a folder with bad files and prints one JSON summary', async () => {
    const root = await mixedFolder('cli');
    const out = join(dir, 'out-cli');
    const { code, stdout } = await runCli(['prep', root, '--out', out, '--json']);
    expect(code).toBe(1);
    const summary = JSON.parse(stdout) as PrepSummary;
    expect([summary.done, summary.skipped, summary.failed]).toEqual([5, 0, 5]);
    for (const [rel, errorCode] of Object.entries(BAD)) {
      expect(byInput(summary, root, rel).error?.code).toBe(errorCode);
    }
    const good = byInput(summary, root, 'more/deeper/bunny.opus');
    expect(good).toMatchObject({ status: 'done', sampleRateIn: 48000, durationSeconds: 1 });
    const decoded = await decodeAudioFile(good.output);
    expect([decoded.format, decoded.sampleRate, decoded.channels.length]).toEqual([
      'wav',
      16000,
      1,
    ]);

    // Text mode: the counts, then each failure with its reason.
    const text = await runCli(['prep', root, '--out', out]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/0 done, 5 skipped \(up to date\), 5 failed of 10 files/);
    expect(text.stdout).toMatch(
      /failed \[UNSUPPORTED_FORMAT\] .*chord\.mid: unsupported format: MIDI/,
    );
  });

  it('exits 0 when every file converts, and 2 on usage errors', async () => {
    const root = join(dir, 'all-good');
    await mkdir(root, { recursive: true });
    await copyFile(codec('bunny.stereo.audio.vorbis.ogg'), join(root, 'a.ogg'));
    const out = join(dir, 'out-all-good');
    const ok = await runCli([
      'prep',
      root,
      '--out',
      out,
      '--rate',
      '8000',
      '--normalize',
      'peak',
      '--json',
    ]);
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.stdout) as PrepSummary).done).toBe(1);
    expect((await readWav(join(out, 'a.wav'))).sampleRate).toBe(8000);
    for (const args of [
      ['prep', root],
      ['prep', root, '--out', out, '--rate', 'fast'],
      ['prep', root, '--out', out, '--normalize', 'loud'],
      ['prep', root, '--out', out, '--format', 'mp3'],
      ['prep', join(dir, 'missing'), '--out', out],
    ]) {
      const bad = await runCli(args);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr.length, args.join(' ')).toBeGreaterThan(0);
    }
  });

  it('leaves only whole files when killed, and a re-run finishes the job', async () => {
    const root = join(dir, 'long');
    await mkdir(root, { recursive: true });
    for (let i = 0; i < 4; i++) {
      await copyFile(codec('stream.stereo.audio.mp3'), join(root, `take${i}.mp3`));
    }
    const out = join(dir, 'out-long');
    const args = ['prep', root, '--out', out, '--quality', 'fastest'];
    const child: ChildProcess = spawn(process.execPath, [builtCli, ...args], { stdio: 'ignore' });
    // Kill it once the first output is there, while later files are being converted.
    const started = Date.now();
    while (Date.now() - started < 60_000) {
      const done = existsSync(out) ? (await readdir(out)).filter((f) => f.endsWith('.wav')) : [];
      if (done.length > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const written = (await readdir(out)).filter((f) => f.endsWith('.wav'));
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThan(4);
    for (const name of written) {
      // Whole: the header's data size matches the file, and it decodes in full.
      const wav = await readWav(join(out, name));
      expect(wav.channels[0].length).toBe(Math.round(2275928 / 3));
      const bytes = readFileSync(join(out, name));
      expect(bytes.readUInt32LE(4) + 8).toBe(bytes.length);
    }
    // A temporary file as a writer killed mid-write leaves it (its process is gone).
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.once('exit', r));
    const stale = join(out, `.take3.wav.${gone.pid}.0123abcd.tmp`);
    await writeFile(stale, 'half a file');
    const rerun = await runCli([...args, '--json']);
    expect(existsSync(stale)).toBe(false);
    expect(rerun.code).toBe(0);
    const summary = JSON.parse(rerun.stdout) as PrepSummary;
    expect(summary.skipped).toBe(written.length);
    expect(summary.done).toBe(4 - written.length);
  });
});
