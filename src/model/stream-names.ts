import { UsageError } from '../errors.js';

/** Stream names key each input's random draws, so there must be one distinct name per input. */
export function checkStreamNames(names: readonly string[] | undefined, inputs: number): void {
  if (names !== undefined && (names.length !== inputs || new Set(names).size !== names.length)) {
    throw new UsageError(
      `stream names must be ${inputs} distinct names, one per input; got ${names.length}`,
    );
  }
}
