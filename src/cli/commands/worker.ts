import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { QUEUE_STAGES, type QueueStage, startWorkers } from '../../queue/index.js';
import { numberOption, POSITIVE_INTEGER, THREADS } from './parse.js';

interface WorkerFlags {
  queue: string;
  concurrency: number;
  threads?: number;
  stages: string;
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('take encode/synth jobs from a Redis queue (run --queue) and do them')
    .requiredOption('--queue <url>', 'redis://[:password@]HOST:PORT[/db] or rediss://')
    .option(
      '--concurrency <n>',
      'jobs at once in this process',
      numberOption('--concurrency', POSITIVE_INTEGER),
      1,
    )
    .option('--threads <n>', 'ONNX Runtime threads', numberOption('--threads', THREADS))
    .option('--stages <list>', `stages to take: ${QUEUE_STAGES.join(',')}`, QUEUE_STAGES.join(','))
    .action(async (flags: WorkerFlags) => {
      const stages = flags.stages.split(',').map((s) => s.trim());
      for (const s of stages) {
        if (!(QUEUE_STAGES as readonly string[]).includes(s)) {
          throw new UsageError(`--stages: unknown stage ${s} (have ${QUEUE_STAGES.join(', ')})`);
        }
      }
      const workers = await startWorkers({
        url: flags.queue,
        stages: stages as QueueStage[],
        concurrency: flags.concurrency,
        threads: flags.threads,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      // Runs until SIGINT/SIGTERM; BullMQ finishes or releases the jobs in hand.
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await workers.close();
    });
}
