import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CorruptAudioError,
  decodeAudioBytes,
  decodeAudioFile,
  detectFormat,
  encodeWav,
  loadMono,
  UnsupportedFormatError,
  validateDecoded,
} from '../../src/audio/index.js';
import { oggCrc } from '../../src/audio/ogg.js';
import { codecsDir } from '../helpers/shared.js';

const codec = (name: string) => join(codecsDir(), name);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'commonsynth-decode-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Pearson correlation of `b` shifted by `lag` against `a`, over a's length. */
function correlation(a: Float32Array, b: Float32Array, lag: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i + lag] ?? 0;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Best alignment of `b` to `a` by cross-correlation within ±maxLag samples. */
function align(
  a: Float32Array,
  b: Float32Array,
  maxLag: number,
): { lag: number; correlation: number } {
  let best = { lag: 0, correlation: -2 };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    const c = correlation(a, b, lag);
    if (c > best.correlation) best = { lag, correlation: c };
  }
  return best;
}

describe('one Big Buck Bunny excerpt in every codec', () => {
  // Lossless must match the WAV. Lossy: waveform correlation after alignment > 0.99 for MP3 and
  // Vorbis; Opus (this file is ~58 kbit/s stereo, and Opus keeps band energies rather than the
  // waveform) is held to > 0.98. The 5.1 versions are a different mix of the same scene.
  const cases: Array<[string, string, number]> = [
    ['bunny.stereo.audio.flac', 'flac', 0.99999],
    ['bunny.stereo.audio.vorbis.ogg', 'ogg-vorbis', 0.99],
    ['bunny.stereo.audio.mp3', 'mp3', 0.99],
    ['bunny.stereo.audio.opus', 'ogg-opus', 0.98],
    ['bunny.stereo.audio.opus.webm', 'webm-opus', 0.98],
    ['bunny.stereo.audio.vorbis.webm', 'webm-vorbis', 0.99],
    ['bunny.surround.audio.flac', 'flac', 0.99],
    ['bunny.surround.audio.vorbis.ogg', 'ogg-vorbis', 0.98],
  ];
  let reference: Float32Array;
  beforeAll(async () => {
    reference = (await loadMono(codec('bunny.stereo.audio.pcm16.wav'))).samples;
  });

  it('the WAV reference is one second at 16 kHz', async () => {
    expect(reference.length).toBe(16000);
    expect((await decodeAudioFile(codec('bunny.stereo.audio.pcm16.wav'))).format).toBe('wav');
  });

  for (const [file, format, threshold] of cases) {
    it(`${file} → 16 kHz mono matches the WAV (correlation > ${threshold})`, async () => {
      const decoded = await decodeAudioFile(codec(file));
      expect(decoded.format).toBe(format);
      expect(decoded.channels.length).toBe(file.includes('surround') ? 6 : 2);
      const audio = await loadMono(codec(file));
      expect(audio.sampleRate).toBe(16000);
      expect(Math.abs(audio.samples.length - 16000)).toBeLessThanOrEqual(
        file.endsWith('.webm') ? 160 : 1,
      );
      const best = align(reference, audio.samples, 800);
      expect(best.correlation).toBeGreaterThan(threshold);
      // Encoder delay and Opus pre-skip are compensated: no shift left to align.
      expect(Math.abs(best.lag)).toBeLessThanOrEqual(1);
    });
  }

  it('Opus and Vorbis decode the same from WebM as from Ogg', async () => {
    for (const [ogg, webm] of [
      ['bunny.stereo.audio.opus', 'bunny.stereo.audio.opus.webm'],
      ['bunny.stereo.audio.vorbis.ogg', 'bunny.stereo.audio.vorbis.webm'],
    ]) {
      const a = await decodeAudioFile(codec(ogg));
      const b = await decodeAudioFile(codec(webm));
      let difference = 0;
      for (let i = 0; i < a.channels[0].length; i++) {
        difference = Math.max(difference, Math.abs(a.channels[0][i] - b.channels[0][i]));
      }
      expect(difference, webm).toBeLessThan(1e-4);
    }
  });

  it('decodes the other fixtures: a long MP3, a one-frame silent MP3, an 8 kHz Ogg', async () => {
    const stream = await decodeAudioFile(codec('stream.stereo.audio.mp3'));
    expect(stream.channels[0].length / stream.sampleRate).toBeCloseTo(47.415, 2);
    const silence = await decodeAudioFile(codec('silence.mp3'));
    expect(silence.channels[0].every((v) => v === 0)).toBe(true);
    const tagged = await decodeAudioFile(codec('doubleTag.oga'));
    expect([tagged.sampleRate, tagged.channels.length, tagged.channels[0].length]).toEqual([
      8000, 1, 24000,
    ]);
  });
});

/** Deterministic byte noise for garbling files. */
function noise(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Overwrites `count` bytes in the middle half of the file with noise. */
function garble(bytes: Uint8Array, count: number, seed: number): Uint8Array {
  const out = bytes.slice();
  const random = noise(seed);
  for (let i = 0; i < count; i++) {
    out[Math.floor(bytes.length * (0.3 + 0.5 * random()))] = Math.floor(random() * 256);
  }
  return out;
}

async function expectError(
  bytes: Uint8Array,
  name: string,
  kind: typeof CorruptAudioError | typeof UnsupportedFormatError,
  pattern: RegExp,
): Promise<void> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  const error = await decodeAudioFile(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, name).toBeInstanceOf(kind);
  const typed = error as CorruptAudioError;
  expect(typed.code).toBe(kind === CorruptAudioError ? 'CORRUPT_AUDIO' : 'UNSUPPORTED_FORMAT');
  expect(typed.file).toBe(path);
  expect(typed.message).toContain(path);
  expect(typed.message, name).toMatch(pattern);
}

describe('WAV codecs beyond PCM and float', () => {
  it('decodes G.711 µ-law as the standard expands it (all 256 codes)', async () => {
    const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
    // RIFF header by hand: fmt chunk with format tag 7 (µ-law), mono, 8 kHz, 8 bits.
    const header = new Uint8Array(44);
    const view = new DataView(header.buffer);
    header.set(Buffer.from('RIFF'), 0);
    view.setUint32(4, 36 + codes.length, true);
    header.set(Buffer.from('WAVEfmt '), 8);
    view.setUint32(16, 16, true);
    view.setUint16(20, 7, true);
    view.setUint16(22, 1, true);
    view.setUint32(24, 8000, true);
    view.setUint32(28, 8000, true);
    view.setUint16(32, 1, true);
    view.setUint16(34, 8, true);
    header.set(Buffer.from('data'), 36);
    view.setUint32(40, codes.length, true);
    const decoded = await decodeAudioBytes(Buffer.concat([header, codes]), 'mulaw.wav');
    expect(decoded.format).toBe('wav-ulaw');
    // ITU-T G.711: complement, then sign, 3-bit exponent, 4-bit mantissa.
    const expand = (code: number) => {
      const u = ~code & 0xff;
      const magnitude = ((((u & 0x0f) << 3) + 0x84) << ((u >> 4) & 7)) - 0x84;
      // (+ 0 turns the −0 of code 0x7F into 0, as an integer table gives.)
      return (u & 0x80 ? -magnitude : magnitude) / 32768 + 0;
    };
    expect([...decoded.channels[0]]).toEqual([...codes].map((c) => Math.fround(expand(c))));
  });
});

describe('damaged files give CorruptAudioError naming the file and the damage', () => {
  it('the broken Ogg fixture', async () => {
    await expectError(
      readFileSync(codec('broken-file.ogg')),
      'broken-file.ogg',
      CorruptAudioError,
      /CRC/,
    );
  });

  it('an empty file', async () => {
    await expectError(new Uint8Array(0), 'empty.flac', CorruptAudioError, /empty/);
  });

  const sources = [
    'bunny.stereo.audio.flac',
    'bunny.stereo.audio.vorbis.ogg',
    'bunny.stereo.audio.opus',
    'bunny.stereo.audio.mp3',
    'bunny.stereo.audio.pcm16.wav',
    'bunny.stereo.audio.opus.webm',
    'bunny.stereo.audio.vorbis.webm',
  ];

  for (const source of sources) {
    it(`truncated ${source} (at 90%, 50% and 200 bytes)`, async () => {
      const bytes = readFileSync(codec(source));
      for (const keep of [0.9, 0.5, 200 / bytes.length]) {
        const cut = bytes.subarray(0, Math.floor(bytes.length * keep));
        await expectError(
          cut,
          `cut-${keep.toFixed(2)}-${source}`,
          CorruptAudioError,
          /truncated|damaged|no audio|track/,
        );
      }
    });
  }

  // PCM WAV has no redundancy (any bytes are valid samples), so it is left out here; garbage in
  // float WAV is caught by the value checks below.
  for (const source of sources.filter((s) => !s.endsWith('.wav'))) {
    it(`garbled ${source} (64 bytes overwritten, three ways)`, async () => {
      const bytes = readFileSync(codec(source));
      for (const seed of [1, 2, 3]) {
        await expectError(
          garble(bytes, 64, seed),
          `garbled-${seed}-${source}`,
          CorruptAudioError,
          /CRC|damaged|truncated|full scale|no audio/,
        );
      }
    });
  }

  it('float WAV holding NaN, infinity or absurd values; a WAV with a zero sample rate', async () => {
    const wav = (values: number[]) =>
      encodeWav(new Float32Array(values), 16000, { format: 'float32' });
    await expectError(
      wav([0, 0.5, Number.NaN, 0]),
      'nan.wav',
      CorruptAudioError,
      /NaN sample value at channel 0, sample 2/,
    );
    await expectError(wav([0, Number.POSITIVE_INFINITY]), 'inf.wav', CorruptAudioError, /infinite/);
    await expectError(
      wav([0, 0.5, 3e7, -1e30]),
      'huge.wav',
      CorruptAudioError,
      /far beyond full scale/,
    );
    const zeroRate = encodeWav(new Float32Array(100), 16000);
    new DataView(zeroRate.buffer).setUint32(24, 0, true);
    await expectError(zeroRate, 'zero-rate.wav', CorruptAudioError, /sample rate \(0\)/);
    await expectError(
      encodeWav(new Float32Array(0), 16000),
      'no-samples.wav',
      CorruptAudioError,
      /no audio/,
    );
    // Garbage bytes in a float WAV's data decode to NaN or huge values.
    const garbage = encodeWav(new Float32Array(4000).fill(0.1), 16000, { format: 'float32' });
    const random = noise(7);
    for (let i = 100; i < garbage.length; i++) garbage[i] = Math.floor(random() * 256);
    await expectError(garbage, 'garbage.wav', CorruptAudioError, /NaN|infinite|full scale/);
  });

  it('validateDecoded checks every property', () => {
    const ok = { sampleRate: 8000, channels: [new Float32Array([0.5, -1.5])] };
    expect(validateDecoded('x', ok)).toBe(1.5);
    expect(() => validateDecoded('x', { sampleRate: 8000, channels: [] })).toThrow(/no channels/);
    expect(() => validateDecoded('x', { sampleRate: Number.NaN, channels: ok.channels })).toThrow(
      /sample rate/,
    );
    expect(() =>
      validateDecoded('x', {
        sampleRate: 8000,
        channels: [new Float32Array(2), new Float32Array(3)],
      }),
    ).toThrow(/differ in length/);
  });
});

/** An EBML element with a one-byte size (enough for these tiny files). */
function ebml(id: number[], ...content: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(content);
  return Buffer.concat([Uint8Array.from(id), Uint8Array.from([0x80 | body.length]), body]);
}
const latin1 = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

/** One Ogg page (RFC 3533) holding one packet, with its CRC. */
function oggPage(packet: Uint8Array, serial: number, flags: number): Uint8Array {
  const page = new Uint8Array(27 + 1 + packet.length);
  const view = new DataView(page.buffer);
  page.set(latin1('OggS'));
  page[5] = flags;
  view.setUint32(14, serial, true);
  page[26] = 1;
  page[27] = packet.length;
  page.set(packet, 28);
  view.setUint32(22, oggCrc(page, 0, page.length, 22), true);
  return page;
}

describe('files that are not decodable audio give UnsupportedFormatError naming the type', () => {
  it('MIDI (the chord fixture)', async () => {
    const error = await decodeAudioFile(codec('chord.mid')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedFormatError);
    expect((error as UnsupportedFormatError).detectedType).toBe('MIDI');
    expect((error as UnsupportedFormatError).message).toMatch(/chord\.mid.*MIDI/);
  });

  it('text renamed as .ogg, and an HTML error page saved as .ogg', async () => {
    await expectError(
      latin1('Sound recorded at dawn.\nLicense: CC BY 4.0\n'),
      'notes.ogg',
      UnsupportedFormatError,
      /text/,
    );
    await expectError(
      new TextEncoder().encode(
        '<!DOCTYPE html><html><body>429 Too Many Requests — réessayez</body></html>',
      ),
      'download.ogg',
      UnsupportedFormatError,
      /HTML page/,
    );
  });

  it('video-only WebM and Ogg Theora', async () => {
    const webm = Buffer.concat([
      ebml([0x1a, 0x45, 0xdf, 0xa3], ebml([0x42, 0x82], latin1('webm'))),
      ebml(
        [0x18, 0x53, 0x80, 0x67],
        ebml(
          [0x16, 0x54, 0xae, 0x6b],
          ebml(
            [0xae],
            ebml([0xd7], Uint8Array.of(1)),
            ebml([0x83], Uint8Array.of(1)),
            ebml([0x86], latin1('V_VP9')),
          ),
        ),
      ),
    ]);
    await expectError(webm, 'clip.webm', UnsupportedFormatError, /WebM \(video only\).*V_VP9/);
    const theora = oggPage(Uint8Array.from([0x80, ...latin1('theora'), 3, 2, 1]), 1234, 0x02);
    await expectError(theora, 'clip.ogv', UnsupportedFormatError, /Theora/);
  });

  it('unknown bytes and other media', async () => {
    await expectError(
      Uint8Array.from([0x00, 0x01, 0xfe, 0x02, 0x99, 0x00, 0x00, 0x07]),
      'blob.wav',
      UnsupportedFormatError,
      /unknown.*00 01 fe/,
    );
    await expectError(
      Uint8Array.from([0x89, ...latin1('PNG\r\n\x1a\n'), 0, 0]),
      'cover.mp3',
      UnsupportedFormatError,
      /PNG image/,
    );
  });

  it('detects the format from bytes, not the name', async () => {
    const flacBytes = readFileSync(codec('bunny.stereo.audio.flac'));
    const misnamed = join(dir, 'actually-flac.mp3');
    await writeFile(misnamed, flacBytes);
    expect((await decodeAudioFile(misnamed)).format).toBe('flac');
    expect(detectFormat(new Uint8Array(0))).toEqual({ kind: 'empty' });
    const decoded = await decodeAudioBytes(
      readFileSync(codec('bunny.stereo.audio.mp3')),
      'in memory',
    );
    expect(decoded.format).toBe('mp3');
  });
});
