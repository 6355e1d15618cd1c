import type { Command } from 'commander';
import { encodeFiles } from '../../model/wavenet/jobs.js';
import { EXIT_FAILED, formatFileJob } from '../output.js';
import { createProgress } from '../progress.js';
import { parseOptionalNumber, THREADS } from './parse.js';

interface EncodeCliOptions {
  model?: string;
  out: string;
  threads?: string;
  pad?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('encode')
    .description('encode audio files to embeddings: <name>_embeddings.npy, shape [frames, dims]')
    .argument(
      '<audio...>',
      'audio files (any format prep reads; decoded to mono at the model rate)',
    )
    .requiredOption('--out <dir>', 'output folder')
    .option('--model <model>', 'model name or package folder (default: the shipped model)')
    .option('--threads <n>', 'ONNX Runtime threads (default: one per core)')
    .option(
      '--pad',
      'wavenet-ae: zero-pad a last partial frame instead of dropping it (Magenta drops it)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (inputs: string[], options: EncodeCliOptions) => {
      const progress = createProgress('encode', { unit: 'files', total: inputs.length });
      const result = await encodeFiles(inputs, {
        outDir: options.out,
        model: options.model,
        threads: parseOptionalNumber(options.threads, '--threads', THREADS),
        tail: options.pad ? 'pad' : 'crop',
        onFile: (_done, _total, input) => progress.tick(1, input),
      });
      progress.stop();
      process.stdout.write(
        options.json
          ? `${JSON.stringify(result, null, 2)}\n`
          : `${formatFileJob('encoded', result)}\n`,
      );
      if (result.failures.length > 0) process.exitCode = EXIT_FAILED;
    });
}
