/** Option parsing shared by the CLI commands: clear usage errors, nothing else. */
import { UsageError } from '../../errors.js';

export function parseNumber(
  value: string,
  flag: string,
  bounds: { min?: number; max?: number } = {},
): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new UsageError(`${flag} must be a number, got ${JSON.stringify(value)}`);
  }
  if (bounds.min !== undefined && n < bounds.min) {
    throw new UsageError(`${flag} must be at least ${bounds.min}, got ${value}`);
  }
  if (bounds.max !== undefined && n > bounds.max) {
    throw new UsageError(`${flag} must be at most ${bounds.max}, got ${value}`);
  }
  return n;
}

export function parseSeed(value: string, flag = '--seed'): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new UsageError(`${flag} must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** "min:max" (or one number for both) in seconds. */
export function parseRange(value: string, flag: string): { min: number; max: number } {
  const parts = value.split(':');
  if (parts.length > 2)
    throw new UsageError(`${flag} must be MIN:MAX, got ${JSON.stringify(value)}`);
  const min = parseNumber(parts[0], flag, { min: 0 });
  const max = parts.length === 2 ? parseNumber(parts[1], flag, { min: 0 }) : min;
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
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(
      `${flag} must be a non-negative ${integer ? 'integer' : 'number'}, got ${value}`,
    );
  }
  return n;
}

/** A positive integer, or undefined when the option is absent. */
export function parsePositiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a positive integer, got ${value}`);
  return n;
}

/** A commander argument parser for a non-negative integer option. */
export function parseCount(flag: string): (value: string) => number {
  return (value) => parseNonNegative(value, flag, true) as number;
}

/** A commander argument parser for a positive number option. */
export function parsePositive(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0)
      throw new UsageError(`${flag} must be a positive number, not "${value}"`);
    return n;
  };
}
