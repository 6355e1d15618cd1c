import { CommonsynthError } from '../../errors.js';

/**
 * A TensorFlow checkpoint that cannot be read: a damaged or foreign index, a missing or short
 * data shard, an unsupported feature. `file` is the file at fault; `tensor` and `shard` say
 * where, when known. Checksum failures use the code 'TF_CHECKSUM', everything else 'TF_CHECKPOINT'.
 */
export class TfCheckpointError extends CommonsynthError {
  readonly tensor?: string;
  readonly shard?: number;

  constructor(
    message: string,
    options: {
      file?: string;
      tensor?: string;
      shard?: number;
      cause?: unknown;
      code?: 'TF_CHECKPOINT' | 'TF_CHECKSUM';
    } = {},
  ) {
    super(options.code ?? 'TF_CHECKPOINT', message, options);
    this.tensor = options.tensor;
    this.shard = options.shard;
  }
}
