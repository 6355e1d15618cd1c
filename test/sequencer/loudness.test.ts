import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  integratedLoudness,
  loadMono,
  loudnessDb,
  shortTermLoudness,
  truePeakDbtp,
} from '../../src/audio/index.js';
import { sequenceTrack } from '../../src/sequencer/index.js';
import { corpusDir } from '../helpers/shared.js';

/**
 * The sequencer's loudness matching on real audio: clips recorded 33 dB apart come out at the
 * track's target, the short-term loudness stays within 6 LU, and the true peak under −1 dBTP.
 */

const SR = 16000;

/** A corpus file at `dbfs` (gated RMS, the audio stage's `loudnessDb`). */
async function at(file: string, dbfs: number): Promise<Float32Array> {
  const { samples } = await loadMono(join(corpusDir(), 'audio', file), { sampleRate: SR });
  const gain = 10 ** ((dbfs - loudnessDb(samples, SR)) / 20);
  return samples.map((x) => x * gain);
}

describe('sequencer loudness', () => {
  it('matches a −45 dBFS and a −12 dBFS clip: short-term spread <= 6 LU, true peak <= −1 dBTP', async () => {
    // Steady sounds (wind, rain), so the spread measures the matching, not the sounds' own dynamics.
    const quiet = await at('nature/2-104952-A-16.flac', -45);
    const loud = await at('nature/2-104952-B-16.flac', -12);
    expect(integratedLoudness(loud, SR) - integratedLoudness(quiet, SR)).toBeGreaterThan(25);
    const track = sequenceTrack([quiet, loud], { lengthSeconds: 30, seed: 4, sampleRate: SR });
    const { loudness } = track;
    expect(loudness.clips).toHaveLength(2);
    for (const clip of loudness.clips) {
      expect(Math.abs(clip.lufs + clip.gainDb - -16)).toBeLessThan(0.01);
    }
    expect(loudness.truePeakDbtp).toBeLessThanOrEqual(-1);
    expect(truePeakDbtp(track.audio)).toBeLessThanOrEqual(-1);
    expect(Math.abs(loudness.integratedLufs - -16)).toBeLessThan(1.5);
    expect(loudness.shortTermSpreadLu).toBeGreaterThan(0);
    expect(loudness.shortTermSpreadLu).toBeLessThanOrEqual(6);
    // The same spread computed here from the meter directly, outside the last clip's fade-out.
    const last = track.placements[track.placements.length - 1];
    const s = shortTermLoudness(track.audio, SR);
    const usable = Array.from(s).filter((_, j) => j * 0.1 + 3 <= (last.end - last.fadeOut) / SR);
    expect(Math.max(...usable) - Math.min(...usable)).toBeLessThanOrEqual(6);
    // Without matching the same track swings by far more.
    const unmatched = sequenceTrack([quiet, loud], {
      lengthSeconds: 30,
      seed: 4,
      sampleRate: SR,
      loudnessLufs: null,
    });
    expect(unmatched.loudness.shortTermSpreadLu).toBeGreaterThan(20);
  });
});
