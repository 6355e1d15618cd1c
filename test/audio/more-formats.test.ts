import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CorruptAudioError,
  decodeAudioBytes,
  decodeAudioFile,
  prepFiles,
  UnsupportedFormatError,
} from '../../src/audio/index.js';
import { corpusDir, corpusManifest } from '../helpers/shared.js';

/**
 * Issue 12, defect 13: M4A (AAC in MP4), AIFF, CAF and WavPack decode (audio-decode reads them)
 * with container damage checks; raw ADTS AAC, whose rate decodes wrong, is refused clearly.
 * The shared codec fixtures have none of these, so they are made here with ffmpeg from a corpus
 * recording, next to a 16-bit WAV of the same audio as the reference.
 */
const FFMPEG = '/usr/bin/ffmpeg';
const hasFfmpeg = existsSync(FFMPEG);

let work: string;
const made: Record<string, string> = {};
const ENCODINGS: Record<string, string[]> = {
  'ref.wav': ['-c:a', 'pcm_s16le'],
  'x.aiff': ['-c:a', 'pcm_s16be'],
  'stereo24.aiff': ['-c:a', 'pcm_s24be', '-ac', '2'],
  'x.caf': ['-c:a', 'pcm_s16le'],
  'x.wv': ['-c:a', 'wavpack'],
  'x.m4a': ['-c:a', 'aac', '-b:a', '96k'],
  'x16.m4a': ['-ar', '16000', '-c:a', 'aac'],
  'x16.aac': ['-ar', '16000', '-c:a', 'aac', '-f', 'adts'],
  'alac.caf': ['-c:a', 'alac'],
};

beforeAll(async () => {
  if (!hasFfmpeg) return;
  work = await mkdtemp(join(tmpdir(), 'commonsynth-formats-'));
  const source = join(corpusDir(), corpusManifest()[0].file);
  for (const [name, args] of Object.entries(ENCODINGS)) {
    const out = join(work, name);
    execFileSync(FFMPEG, ['-loglevel', 'error', '-y', '-i', source, '-t', '2.5', ...args, out]);
    made[name] = out;
  }
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe.skipIf(!hasFfmpeg)('more formats (fixtures made with /usr/bin/ffmpeg)', () => {
  it('AIFF, CAF and WavPack decode to the same 16-bit audio as WAV', async () => {
    const ref = await decodeAudioFile(made['ref.wav']);
    for (const [name, format] of [
      ['x.aiff', 'aiff'],
      ['x.caf', 'caf'],
      ['x.wv', 'wavpack'],
    ] as const) {
      const got = await decodeAudioFile(made[name]);
      expect(got.format).toBe(format);
      expect(got.sampleRate).toBe(ref.sampleRate);
      expect(got.channels).toHaveLength(1);
      // Same 16-bit samples; decoders may scale by 32768 or 32767, hence the 1e-4 (< 4 LSB).
      const a = got.channels[0];
      const r = ref.channels[0];
      expect(a.length).toBe(r.length);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - r[i]));
      expect(worst, name).toBeLessThan(1e-4);
    }
    const stereo = await decodeAudioFile(made['stereo24.aiff']);
    expect([stereo.channels.length, stereo.channels[0].length]).toEqual([
      2,
      ref.channels[0].length,
    ]);
  });

  it('M4A (AAC) decodes at its own rate and length, close to the original', async () => {
    const ref = await decodeAudioFile(made['ref.wav']);
    const m4a = await decodeAudioFile(made['x.m4a']);
    expect(m4a.format).toBe('m4a-aac');
    expect(m4a.sampleRate).toBe(ref.sampleRate);
    expect(Math.abs(m4a.channels[0].length - ref.channels[0].length)).toBeLessThan(2048);
    const at16 = await decodeAudioFile(made['x16.m4a']);
    expect(at16.sampleRate).toBe(16000);
    expect(at16.channels[0].length / 16000).toBeCloseTo(2.5, 1);
  });

  it('a truncated file of each format is CORRUPT_AUDIO, saying truncated', async () => {
    for (const name of ['x.aiff', 'x.caf', 'x.wv', 'x.m4a']) {
      const bytes = await readFile(made[name]);
      const cut = bytes.subarray(0, Math.floor(bytes.length * 0.7));
      const error = await decodeAudioBytes(cut, name).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(CorruptAudioError);
      expect((error as Error).message).toMatch(/truncated/);
    }
  });

  it('AIFF sound data shorter than COMM declares is caught', async () => {
    const bytes = new Uint8Array(await readFile(made['x.aiff']));
    // Declare twice the frames the file holds.
    const at = Buffer.from(bytes).indexOf('COMM') + 8 + 2;
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    view.setUint32(at, view.getUint32(at) * 2);
    const error = await decodeAudioBytes(bytes, 'long.aiff').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptAudioError);
  });

  it('raw ADTS AAC (16 kHz decodes as 32 kHz) and ALAC in CAF are refused clearly', async () => {
    const adts = await decodeAudioFile(made['x16.aac']).catch((e: unknown) => e);
    expect(adts).toBeInstanceOf(UnsupportedFormatError);
    expect((adts as Error).message).toContain('AAC (raw ADTS)');
    expect((adts as Error).message).toContain('ffmpeg -i in.aac -c copy out.m4a');
    const alac = await decodeAudioFile(made['alac.caf']).catch((e: unknown) => e);
    expect(alac).toBeInstanceOf(UnsupportedFormatError);
    expect((alac as Error).message).toContain('CAF (alac)');
  });

  it('prep finds and converts them by extension', async () => {
    const folder = join(work, 'folder');
    await rm(folder, { recursive: true, force: true });
    await writeFile(join(work, 'unused'), '');
    execFileSync('mkdir', ['-p', folder]);
    for (const name of ['x.aiff', 'x.caf', 'x.wv', 'x.m4a', 'x16.aac']) {
      await writeFile(join(folder, name), await readFile(made[name]));
    }
    const summary = await prepFiles([folder], {
      outDir: join(work, 'prepped'),
      quality: 'fastest',
    });
    expect(summary.total).toBe(5);
    expect(summary.done).toBe(4);
    expect(summary.files.find((f) => f.status === 'failed')?.error?.code).toBe(
      'UNSUPPORTED_FORMAT',
    );
  });
});
