import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CorruptAudioError,
  decodeAudioBytes,
  decodeWav,
  encodeWav,
  readWav,
  WAV_SAMPLE_FORMATS,
  type WavSampleFormat,
  writeWav,
} from '../../src/audio/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'commonsynth-wav-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A deterministic test signal: two sines plus full-scale extremes to exercise clipping. */
function signal(length: number, phase: number): Float32Array {
  const x = new Float32Array(length);
  for (let i = 0; i < length; i++)
    x[i] = 0.6 * Math.sin(0.05 * i + phase) + 0.3 * Math.sin(0.7 * i);
  x[0] = 1;
  x[1] = -1;
  return x;
}

/** Largest quantisation error of each format for values in [−1, 1]. */
const STEP: Record<WavSampleFormat, number> = {
  pcm8: 1 / 127,
  pcm16: 1 / 32767,
  pcm24: 1 / 8388607,
  pcm32: 1 / 2147483647,
  float32: 0,
  float64: 0,
};

describe('WAV writer round-trips', () => {
  for (const format of WAV_SAMPLE_FORMATS) {
    for (const channelCount of [1, 2, 6]) {
      it(`${format}, ${channelCount} channel(s): file → readWav and → audio-decode`, async () => {
        const channels = Array.from({ length: channelCount }, (_, c) => signal(2000, c));
        const path = join(dir, `${format}-${channelCount}.wav`);
        await writeWav(path, channelCount === 1 ? channels[0] : channels, 22050, { format });
        const back = await readWav(path);
        expect(back.format).toBe(format);
        expect(back.sampleRate).toBe(22050);
        expect(back.channels.length).toBe(channelCount);
        // audio-decode is an independent reader of the same bytes.
        const other = await decodeAudioBytes(await readFile(path), path);
        expect(other.sampleRate).toBe(22050);
        expect(other.channels.length).toBe(channelCount);
        for (let c = 0; c < channelCount; c++) {
          expect(back.channels[c].length).toBe(2000);
          let error = 0;
          let disagreement = 0;
          for (let i = 0; i < 2000; i++) {
            error = Math.max(error, Math.abs(back.channels[c][i] - channels[c][i]));
            disagreement = Math.max(
              disagreement,
              Math.abs(back.channels[c][i] - other.channels[c][i]),
            );
          }
          // Rounding to the nearest step: half a step, plus float32 slack.
          expect(error).toBeLessThanOrEqual(STEP[format] / 2 + 1e-7);
          expect(disagreement).toBeLessThanOrEqual(1e-7);
        }
      });
    }
  }

  it('writes the header fields the RIFF spec asks for', () => {
    const bytes = encodeWav([signal(10, 0), signal(10, 1)], 16000, { format: 'pcm16' });
    const view = new DataView(bytes.buffer);
    const text = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
    expect(text(0)).toBe('RIFF');
    expect(view.getUint32(4, true)).toBe(bytes.length - 8);
    expect(text(8)).toBe('WAVE');
    expect(text(12)).toBe('fmt ');
    expect(view.getUint16(20, true)).toBe(1); // PCM
    expect(view.getUint16(22, true)).toBe(2);
    expect(view.getUint32(24, true)).toBe(16000);
    expect(view.getUint32(28, true)).toBe(16000 * 2 * 2); // byte rate
    expect(view.getUint16(32, true)).toBe(4); // block align
    expect(view.getUint16(34, true)).toBe(16);
    expect(text(36)).toBe('data');
    expect(view.getUint32(40, true)).toBe(10 * 2 * 2);
    // Interleaved: frame 0 is (left[0], right[0]); signal(…)[0] is full scale.
    expect(view.getInt16(44, true)).toBe(32767);
    expect(view.getInt16(46, true)).toBe(32767);
    expect(view.getInt16(48, true)).toBe(-32768);
  });

  it('clips out-of-range values in integer formats and keeps them in float', () => {
    const loud = new Float32Array([1.5, -2, 0.25]);
    expect([...decodeWav(encodeWav(loud, 8000, { format: 'pcm16' })).channels[0]]).toEqual(
      [1, -1, 8192 / 32767].map(Math.fround),
    );
    expect([...decodeWav(encodeWav(loud, 8000, { format: 'float32' })).channels[0]]).toEqual([
      1.5, -2, 0.25,
    ]);
  });

  it('reports a truncated WAV file', async () => {
    const bytes = encodeWav(signal(1000, 0), 8000);
    const path = join(dir, 'cut.wav');
    await writeFile(path, bytes.subarray(0, 600));
    await expect(readWav(path)).rejects.toThrow(CorruptAudioError);
    await expect(readWav(path)).rejects.toThrow(/cut\.wav.*truncated/);
  });
});
