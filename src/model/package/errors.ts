import { CommonsynthError } from '../../errors.js';

/**
 * A model package that cannot be loaded or saved: a missing or malformed config.json, a bad
 * field, a missing weights file, or a weight with the wrong name, shape, dtype or values.
 * `file` is the file at fault; `field` (a config.json path such as `hyperparameters.width`) or
 * `variable` (a weight name) says where in it.
 */
export class ModelPackageError extends CommonsynthError {
  readonly field?: string;
  readonly variable?: string;

  constructor(
    message: string,
    options: { file?: string; field?: string; variable?: string; cause?: unknown } = {},
  ) {
    super('MODEL_PACKAGE', message, options);
    this.field = options.field;
    this.variable = options.variable;
  }
}
