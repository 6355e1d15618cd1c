import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFile } from 'music-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIO_FORMATS,
  AudioEncodeError,
  type AudioMetadata,
  decodeAudioFile,
  findWavChunk,
  loadMono,
  resample,
  writeAudioFile,
} from '../../src/audio/index.js';
import { corpusDir, corpusManifest } from '../helpers/shared.js';

const FFMPEG = ['/usr/bin/ffmpeg', '/usr/local/bin/ffmpeg'].find((p) => existsSync(p));

let dir: string;
let audio: Float32Array;
let metadata: AudioMetadata;
const rate = 16000;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'commonsynth-encode-'));
  // Real sounds: three corpus files back to back, an odd length (not a whole codec frame).
  const rows = corpusManifest().slice(0, 3);
  const parts = [];
  for (const row of rows)
    parts.push((await loadMono(join(corpusDir(), row.file), { sampleRate: rate })).samples);
  const total = parts.reduce((s, p) => s + p.length, 0) - 777;
  audio = new Float32Array(total);
  let at = 0;
  for (const p of parts) {
    audio.set(p.subarray(0, Math.min(p.length, total - at)), at);
    at += p.length;
    if (at >= total) break;
  }
  metadata = {
    title: `${rows[0].title} (mashup)`,
    artist: 'commonsynth',
    comment: rows
      .map((r) => `"${r.title}" by ${r.author}, ${r.source_url}, ${r.license}`)
      .join('\n'),
    credits: `Credits\n${rows.map((r) => `${r.title} / ${r.author} / ${r.license}`).join('\n')}`,
    license: rows[0].license,
    software: 'commonsynth test',
  };
  for (const format of AUDIO_FORMATS) {
    await writeAudioFile(join(dir, `a.${format}`), audio, rate, { format, metadata });
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The 16-bit samples of a pcm16 WAV, straight from its data chunk. */
async function wavInts(path: string): Promise<Int16Array> {
  const bytes = await readFile(path);
  const data = findWavChunk(bytes, 'data');
  if (!data) throw new Error('no data chunk');
  return new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

/** Best correlation of b against a over lags within ±maxLag. */
function alignedCorrelation(
  a: Float32Array,
  b: Float32Array,
  maxLag: number,
): { lag: number; r: number } {
  let best = { lag: 0, r: -1 };
  for (let lag = -maxLag; lag <= maxLag; lag += 1) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    const n = Math.min(a.length, b.length) - Math.abs(lag);
    for (let i = 0; i < n; i += 1) {
      const x = a[lag < 0 ? i - lag : i];
      const y = b[lag > 0 ? i + lag : i];
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    const r = ab / Math.sqrt(aa * bb);
    if (r > best.r) best = { lag, r };
  }
  return best;
}

describe('writeAudioFile', () => {
  it('writes FLAC that decodes bit-exact to the 16-bit WAV', async () => {
    const ints = await wavInts(join(dir, 'a.wav'));
    expect(ints.length).toBe(audio.length);
    const flac = await decodeAudioFile(join(dir, 'a.flac'));
    expect(flac.format).toBe('flac');
    expect(flac.channels[0].length).toBe(ints.length);
    // audio-decode's FLAC decoder scales 16-bit integers by 1/32767.
    let mismatches = 0;
    for (let i = 0; i < ints.length; i++)
      if (Math.round(flac.channels[0][i] * 32767) !== ints[i]) mismatches++;
    expect(mismatches).toBe(0);
    if (FFMPEG) {
      const raw = (p: string) => execFileSync(FFMPEG, ['-v', 'error', '-i', p, '-f', 's16le', '-']);
      expect(raw(join(dir, 'a.flac')).equals(raw(join(dir, 'a.wav')))).toBe(true);
    }
  });

  for (const [format, frame] of [
    ['mp3', 576],
    ['opus', 320],
  ] as const) {
    it(`writes ${format} that decodes to the same length (within a frame) and correlates > 0.95`, async () => {
      const decoded = await decodeAudioFile(join(dir, `a.${format}`));
      const back =
        decoded.sampleRate === rate
          ? decoded.channels[0]
          : resample(decoded.channels[0], decoded.sampleRate, rate);
      expect(Math.abs(back.length - audio.length)).toBeLessThanOrEqual(frame);
      const { r } = alignedCorrelation(audio, back, frame);
      expect(r).toBeGreaterThan(0.95);
      if (FFMPEG) {
        const raw = execFileSync(FFMPEG, [
          '-v',
          'error',
          '-i',
          join(dir, `a.${format}`),
          '-f',
          's16le',
          '-ac',
          '1',
          '-ar',
          String(rate),
          '-',
        ]);
        expect(Math.abs(raw.length / 2 - audio.length)).toBeLessThanOrEqual(frame);
      }
    });
  }

  it('embeds the credits, read back by music-metadata', async () => {
    for (const format of AUDIO_FORMATS) {
      const parsed = await parseFile(join(dir, `a.${format}`));
      expect(parsed.common.title, format).toBe(metadata.title);
      expect(parsed.common.artist, format).toBe('commonsynth');
      const native = Object.values(parsed.native).flat();
      const value = (id: string) => native.find((t) => t.id === id)?.value;
      const text = (v: unknown) =>
        typeof v === 'string' ? v : (v as { text?: string } | undefined)?.text;
      if (format === 'flac' || format === 'opus') {
        expect(value('COMMENT'), format).toBe(metadata.comment);
        expect(value('CREDITS'), format).toBe(metadata.credits);
        expect(value('LICENSE'), format).toBe(metadata.license);
      } else {
        // MP3 and WAV (its id3 chunk): ID3v2 COMM and TXXX.
        expect(text(value('COMM')), format).toBe(metadata.comment);
        expect(value('TXXX:CREDITS'), format).toBe(metadata.credits);
        expect(value('TXXX:LICENSE'), format).toBe(metadata.license);
      }
    }
    // WAV's own LIST/INFO chunk holds them too.
    const wav = await parseFile(join(dir, 'a.wav'));
    const info = wav.native.exif ?? [];
    expect(info.find((t) => t.id === 'ICMT')?.value).toBe(metadata.credits);
    expect(info.find((t) => t.id === 'IART')?.value).toBe('commonsynth');
  });

  it('gives the same bytes for the same audio', async () => {
    for (const format of AUDIO_FORMATS) {
      const again = join(dir, `b.${format}`);
      await writeAudioFile(again, audio, rate, { format, metadata });
      expect((await readFile(again)).equals(await readFile(join(dir, `a.${format}`))), format).toBe(
        true,
      );
    }
  });

  it('resamples stereo at 44.1 kHz for Opus and keeps MP3 exact', async () => {
    const left = resample(audio.subarray(0, 3 * rate), rate, 44100);
    const right = left.map((v) => -0.5 * v);
    for (const format of ['mp3', 'opus'] as const) {
      const path = join(dir, `s.${format}`);
      await writeAudioFile(path, [left, right], 44100, { format });
      const decoded = await decodeAudioFile(path);
      expect(decoded.channels.length).toBe(2);
      const back =
        decoded.sampleRate === 44100
          ? decoded.channels[0]
          : resample(decoded.channels[0], decoded.sampleRate, 44100);
      expect(Math.abs(back.length - left.length)).toBeLessThanOrEqual(1152);
      expect(alignedCorrelation(left, back, 1152).r).toBeGreaterThan(0.95);
    }
  });

  it('names the file and the problem when a format cannot take the audio', async () => {
    const path = join(dir, 'bad.mp3');
    await expect(
      writeAudioFile(path, audio, rate, { format: 'mp3', bitrateKbps: 320 }),
    ).rejects.toThrow(AudioEncodeError);
    await expect(
      writeAudioFile(path, audio, rate, { format: 'mp3', bitrateKbps: 320 }),
    ).rejects.toThrow(/bad\.mp3: cannot write mp3: MP3 at 16000 Hz takes/);
    const three = [audio, audio, audio];
    await expect(
      writeAudioFile(join(dir, 'bad.opus'), three, rate, { format: 'opus' }),
    ).rejects.toThrow(/bad\.opus: cannot write opus: 3 channels/);
    expect(existsSync(path)).toBe(false);
  });
});
