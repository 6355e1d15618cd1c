import { CommonsynthError } from '../errors.js';

/** A recipe file or object that is not a valid commonsynth recipe. */
export class RecipeError extends CommonsynthError {
  /** Where in the recipe the problem is, e.g. `sources[1].offset`. */
  readonly field?: string;

  constructor(message: string, options?: { file?: string; field?: string; cause?: unknown }) {
    const where = options?.file ? `${options.file}: ` : '';
    const field = options?.field ? `${options.field}: ` : '';
    super('RECIPE_INVALID', `${where}${field}${message}`, options);
    this.field = options?.field;
  }
}

/** A recipe's source resolved to an embedding other than the one the recipe was made from. */
export class RecipeSourceMismatchError extends CommonsynthError {
  constructor(message: string, options?: { file?: string }) {
    super(
      'RECIPE_SOURCE_MISMATCH',
      options?.file ? `${options.file}: ${message}` : message,
      options,
    );
  }
}
