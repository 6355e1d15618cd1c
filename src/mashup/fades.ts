/**
 * Fade shapes: the gains of the outgoing and incoming sound at position t of a fade (0 = start,
 * 1 = end). Linear and raised-cosine gains sum to one (amplitude-preserving: right for mixing
 * correlated signals such as latent vectors); equal-power gains have squares summing to one
 * (power-preserving: right for uncorrelated audio).
 */
import { UsageError } from '../errors.js';

export const FADE_SHAPES = ['linear', 'equal-power', 'raised-cosine'] as const;
export type FadeShape = (typeof FADE_SHAPES)[number];

export function isFadeShape(value: unknown): value is FadeShape {
  return typeof value === 'string' && (FADE_SHAPES as readonly string[]).includes(value);
}

export function assertFadeShape(value: unknown): FadeShape {
  if (!isFadeShape(value)) {
    throw new UsageError(
      `fade shape must be one of ${FADE_SHAPES.join(', ')}; got ${String(value)}`,
    );
  }
  return value;
}

/** Gain of the incoming sound at t in [0, 1]; rises from 0 to 1. */
export function fadeInGain(shape: FadeShape, t: number): number {
  const x = Math.min(1, Math.max(0, t));
  switch (shape) {
    case 'linear':
      return x;
    case 'equal-power':
      return Math.sin((Math.PI / 2) * x);
    case 'raised-cosine':
      return (1 - Math.cos(Math.PI * x)) / 2;
  }
}

/** Gain of the outgoing sound at t in [0, 1]; the mirror image of the fade-in. */
export function fadeOutGain(shape: FadeShape, t: number): number {
  const x = Math.min(1, Math.max(0, t));
  switch (shape) {
    case 'linear':
      return 1 - x;
    case 'equal-power':
      return Math.cos((Math.PI / 2) * x);
    case 'raised-cosine':
      return (1 + Math.cos(Math.PI * x)) / 2;
  }
}

/**
 * Position of step `index` (0-based) of a fade `length` steps long. Sampling mid-step keeps the fade
 * symmetric and strictly inside (0, 1), so both sounds are audible on every faded step.
 */
export function fadePosition(index: number, length: number): number {
  return (index + 0.5) / length;
}
