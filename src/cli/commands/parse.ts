/**
 * Option parsing shared by the CLI commands: every numeric option goes through `parseNumber`
 * (directly or through the helpers below), so each one refuses NaN, infinities, junk and
 * out-of-range values with the same clear usage error, naming the flag, what it accepts and
 * what it got.
 */
import { UsageError } from '../../errors.js';

export interface NumberBounds {
  /** Smallest value allowed. */
  min?: number;
  /** Values must be greater than this (an open bound: `above: 0` is "positive"). */
  above?: number;
  /** Largest value allowed. */
  max?: number;
  /** Whole numbers only (safe integers). */
  integer?: boolean;
}

/** What `bounds` accept, in words: "a positive integer", "a number from 0 to 1", … */
export function describeBounds(bounds: NumberBounds): string {
  const kind = bounds.integer ? 'integer' : 'number';
  const article = bounds.integer ? 'an' : 'a';
  const { min, above, max } = bounds;
  const positive = above === 0 || (bounds.integer === true && min === 1);
  if (max === undefined) {
    if (positive) return `a positive ${kind}`;
    if (min === 0) return `a non-negative ${kind}`;
    if (min !== undefined) return `${article} ${kind} of at least ${min}`;
    if (above !== undefined) return `${article} ${kind} above ${above}`;
    return `${article} ${kind}`;
  }
  if (min !== undefined) return `${article} ${kind} from ${min} to ${max}`;
  if (positive) return `a positive ${kind} of at most ${max}`;
  if (above !== undefined) return `${article} ${kind} above ${above} and at most ${max}`;
  return `${article} ${kind} of at most ${max}`;
}

export function parseNumber(value: string, flag: string, bounds: NumberBounds = {}): number {
  const n = Number(value);
  const ok =
    value.trim() !== '' &&
    Number.isFinite(n) &&
    (!bounds.integer || Number.isSafeInteger(n)) &&
    (bounds.min === undefined || n >= bounds.min) &&
    (bounds.above === undefined || n > bounds.above) &&
    (bounds.max === undefined || n <= bounds.max);
  if (!ok) {
    // Quoted only when it would not read clearly bare (empty, or with spaces).
    const shown = /^\S+$/.test(value) ? value : JSON.stringify(value);
    throw new UsageError(`${flag} must be ${describeBounds(bounds)}, got ${shown}`);
  }
  return n;
}

/** `parseNumber` for an option that may be absent. */
export function parseOptionalNumber(
  value: string | undefined,
  flag: string,
  bounds: NumberBounds = {},
): number | undefined {
  return value === undefined ? undefined : parseNumber(value, flag, bounds);
}

/** A commander argument parser for a numeric option. */
export function numberOption(flag: string, bounds: NumberBounds = {}): (value: string) => number {
  return (value) => parseNumber(value, flag, bounds);
}

/** Bounds of the options that recur across commands. */
export const POSITIVE: NumberBounds = { above: 0 };
export const NON_NEGATIVE: NumberBounds = { min: 0 };
export const COUNT: NumberBounds = { min: 0, integer: true };
export const POSITIVE_INTEGER: NumberBounds = { min: 1, integer: true };
/** ONNX Runtime and torch threads: 0 would mean "let the runtime choose", which we never mean. */
export const THREADS: NumberBounds = { min: 1, max: 1024, integer: true };
/** Sampling temperature: 0 is argmax; negative values have no meaning. */
export const TEMPERATURE: NumberBounds = { min: 0 };

export function parseSeed(value: string, flag = '--seed'): number {
  return parseNumber(value, flag, COUNT);
}

/** "min:max" (or one number for both) in seconds. */
export function parseRange(value: string, flag: string): { min: number; max: number } {
  const parts = value.split(':');
  if (parts.length > 2)
    throw new UsageError(`${flag} must be MIN:MAX, got ${JSON.stringify(value)}`);
  const min = parseNumber(parts[0], flag, NON_NEGATIVE);
  const max = parts.length === 2 ? parseNumber(parts[1], flag, NON_NEGATIVE) : min;
  if (max < min) throw new UsageError(`${flag}: max ${max} is below min ${min}`);
  return { min, max };
}

export function parseChoice<T extends string>(
  value: string,
  flag: string,
  choices: readonly T[],
): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(
      `${flag} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}

/** A non-negative number (or integer), or undefined when the option is absent. */
export function parseNonNegative(
  value: string | undefined,
  flag: string,
  integer = false,
): number | undefined {
  return parseOptionalNumber(value, flag, { min: 0, integer });
}

/** A positive integer, or undefined when the option is absent. */
export function parsePositiveInteger(value: string | undefined, flag: string): number | undefined {
  return parseOptionalNumber(value, flag, POSITIVE_INTEGER);
}

/** A commander argument parser for a non-negative integer option. */
export function parseCount(flag: string): (value: string) => number {
  return numberOption(flag, COUNT);
}

/** A commander argument parser for a positive number option. */
export function parsePositive(flag: string): (value: string) => number {
  return numberOption(flag, POSITIVE);
}
