import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAudioFile, loadMono, resample, toMono } from '../../src/audio/index.js';
import { corpusDir, corpusManifest } from '../helpers/shared.js';

/**
 * The length each file declares in its own container, read here independently of src/audio:
 * FLAC STREAMINFO, the last Ogg page's granule position (Vorbis), WAV data size / block size.
 */
function declaredLength(path: string): { frames: number; sampleRate: number } {
  const bytes = readFileSync(path);
  const magic = bytes.toString('latin1', 0, 4);
  if (magic === 'fLaC') {
    const info = 8;
    const sampleRate = (bytes[info + 10] << 12) | (bytes[info + 11] << 4) | (bytes[info + 12] >> 4);
    const frames = (bytes[info + 13] & 0x0f) * 2 ** 32 + bytes.readUInt32BE(info + 14);
    return { frames, sampleRate };
  }
  if (magic === 'OggS') {
    const last = bytes.lastIndexOf('OggS', bytes.length - 1, 'latin1');
    const frames = Number(bytes.readBigInt64LE(last + 6));
    // Vorbis identification header: "\x01vorbis", version (4), channels (1), rate (4).
    const id = bytes.indexOf('\x01vorbis', 0, 'latin1');
    return { frames, sampleRate: bytes.readUInt32LE(id + 7 + 4 + 1) };
  }
  if (magic === 'RIFF') {
    let at = 12;
    let sampleRate = 0;
    let blockAlign = 0;
    while (at + 8 <= bytes.length) {
      const id = bytes.toString('latin1', at, at + 4);
      const size = bytes.readUInt32LE(at + 4);
      if (id === 'fmt ') {
        sampleRate = bytes.readUInt32LE(at + 12);
        blockAlign = bytes.readUInt16LE(at + 20);
      }
      if (id === 'data') return { frames: Math.floor(size / blockAlign), sampleRate };
      at += 8 + size + (size & 1);
    }
  }
  throw new Error(`${path}: cannot read a declared length`);
}

describe('the shared corpus', () => {
  const entries = corpusManifest();

  it('lists files', () => {
    expect(entries.length).toBeGreaterThan(100);
  });

  // One sequential loop (no workers): the corpus is ~1,350 s of audio. The 'medium' converter
  // keeps this test quick; the sample count does not depend on the quality, which
  // resample.test.ts measures on its own.
  it('decodes every manifest file and converts it to 16 kHz mono of the declared duration', async () => {
    const failures: string[] = [];
    let seconds = 0;
    for (const entry of entries) {
      const path = join(corpusDir(), entry.file);
      try {
        const decoded = await decodeAudioFile(path);
        const declared = declaredLength(path);
        expect(decoded.sampleRate, entry.file).toBe(declared.sampleRate);
        expect(decoded.channels[0].length, entry.file).toBe(declared.frames);
        const mono = toMono(decoded.channels);
        const converted = resample(mono, decoded.sampleRate, 16000, { quality: 'medium' });
        const expected = (declared.frames * 16000) / declared.sampleRate;
        expect(Math.abs(converted.length - expected), entry.file).toBeLessThanOrEqual(1);
        expect(converted.every(Number.isFinite), entry.file).toBe(true);
        seconds += converted.length / 16000;
      } catch (error) {
        failures.push(`${entry.file}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(seconds).toBeGreaterThan(600);
  });

  it('loadMono gives 16 kHz mono with the default (best) converter', async () => {
    const entry = entries.find((e) => e.file.endsWith('.ogg'))!;
    const path = join(corpusDir(), entry.file);
    const declared = declaredLength(path);
    const audio = await loadMono(path);
    expect(audio.sampleRate).toBe(16000);
    expect(
      Math.abs(audio.samples.length - (declared.frames * 16000) / declared.sampleRate),
    ).toBeLessThanOrEqual(1);
  });
});
