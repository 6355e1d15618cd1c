import { describe, expect, it } from 'vitest';
import { classTables, classToAudio, invMuLaw, muLaw, muLawInput } from './mulaw.js';

describe('mu-law (Magenta NSynth utils)', () => {
  it('maps the edges as floor(128 * sign(x) * log(1 + 255|x|) / log(256))', () => {
    expect(muLaw(1)).toBe(128); // log(256)/log(256) = 1 exactly, so 1 reaches 128
    expect(muLaw(-1)).toBe(-128);
    expect(muLaw(0)).toBe(0);
    // The floor is not symmetric: tiny positive values give 0, tiny negative ones -1.
    expect(muLaw(1e-6)).toBe(0);
    expect(muLaw(-1e-6)).toBe(-1);
    // Below float32 resolution 1 + 255|x| rounds to 1 (as in TensorFlow): code 0, not -1.
    expect(muLaw(-1e-12)).toBe(0);
    expect(muLaw(-Number.MIN_VALUE)).toBe(0);
    // A value from the formula by hand: 128 * ln(1 + 127.5) / ln 256 = 112.06...
    expect(muLaw(0.5)).toBe(112);
    expect(muLaw(-0.5)).toBe(-113);
    expect(muLawInput(1)).toBe(1);
    expect(muLawInput(-1)).toBe(-1);
    expect(muLawInput(0.5)).toBe(112 / 128);
  });

  it('inverts with (code + 0.5) / 128 and maps code 0 to exactly 0', () => {
    expect(invMuLaw(0)).toBe(0);
    const top = (256 ** (127.5 / 128) - 1) / 255;
    expect(invMuLaw(127)).toBeCloseTo(top, 12);
    expect(invMuLaw(-128)).toBeCloseTo(-top, 12);
    expect(invMuLaw(-1)).toBeCloseTo(-(256 ** (0.5 / 128) - 1) / 255, 15);
    expect(classToAudio(128)).toBe(0);
    expect(classToAudio(0)).toBe(invMuLaw(-128));
    expect(classToAudio(255)).toBe(invMuLaw(127));
  });

  it('round-trips every code: mu_law(inv_mu_law(c)) = c, so the fed-back input is c / 128', () => {
    const { audio, input } = classTables();
    for (let k = 0; k < 256; k++) {
      expect(muLaw(audio[k])).toBe(k - 128);
      expect(input[k]).toBe((k - 128) / 128);
    }
    // Monotonic.
    for (let k = 1; k < 256; k++) expect(audio[k]).toBeGreaterThan(audio[k - 1]);
  });
});
