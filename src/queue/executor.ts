/**
 * The queue executor for `run --queue`: each source to encode and each clip to synthesise is a
 * BullMQ job with a content-addressed id, done by `commonsynth worker` processes. The pipeline
 * keeps the order and choices, so the track is the same as a local run's.
 */
import { join } from 'node:path';
import { type Job, Queue, QueueEvents } from 'bullmq';
import { readWav } from '../audio/index.js';
import { CommonsynthError } from '../errors.js';
import { commonsynthHome } from '../model/registry.js';
import type { RunExecutor, RunExecutorFactory } from '../pipeline/run.js';
import { checkRedis, redisClient } from './connection.js';
import {
  clipStorePath,
  type EncodeJobData,
  encodeJobId,
  jobOptions,
  packEmbedding,
  type QueueStage,
  queueName,
  type SynthJobData,
  synthJobId,
} from './jobs.js';
import { type RedisTarget, redactSecret } from './url.js';

/** A queued job that failed after its retries; the message is the worker's error. */
export class QueueJobFailedError extends CommonsynthError {
  constructor(jobId: string, reason: string) {
    super('QUEUE_JOB_FAILED', `job ${jobId} failed: ${reason}`);
  }
}

export interface QueueExecutorOptions {
  url: string;
  /** Shared clip store root (default $COMMONSYNTH_HOME/clips). */
  clipStore?: string;
  /** Encodes kept in flight (default 8). */
  parallelism?: number;
  attempts?: number;
}

interface StageHandle {
  queue: Queue;
  events: QueueEvents;
}

async function wait<T>(job: Job, events: QueueEvents, target: RedisTarget): Promise<T> {
  try {
    return (await job.waitUntilFinished(events)) as T;
  } catch (error) {
    const reason = redactSecret(error instanceof Error ? error.message : String(error), target);
    throw new QueueJobFailedError(String(job.id), reason);
  }
}

export function queueExecutor(options: QueueExecutorOptions): RunExecutorFactory {
  return async ({ model, store }): Promise<RunExecutor> => {
    const target = await checkRedis(options.url);
    const clients: { disconnect(): void }[] = [];
    const connection = () => {
      const client = redisClient(target);
      clients.push(client);
      return client;
    };
    const stages = new Map<QueueStage, StageHandle>();
    const stage = async (name: QueueStage): Promise<StageHandle> => {
      let handle = stages.get(name);
      if (!handle) {
        handle = {
          queue: new Queue(queueName(name), { connection: connection() }),
          events: new QueueEvents(queueName(name), { connection: connection() }),
        };
        await handle.events.waitUntilReady();
        stages.set(name, handle);
      }
      return handle;
    };
    const clipRoot = options.clipStore ?? join(commonsynthHome(), 'clips');
    const attempts = options.attempts ?? 3;
    return {
      parallelism: options.parallelism ?? 8,
      async encode({ source, storeKey }) {
        const { queue, events } = await stage('encode');
        const data: EncodeJobData = {
          path: source.path,
          sha1: source.sha1,
          modelDir: model.dir,
          storeRoot: store.root,
          storeKey,
        };
        const jobId = encodeJobId(data);
        const job = await queue.add('encode', data, { ...jobOptions(attempts), jobId });
        const result = await wait<{ reused: boolean }>(job, events, target);
        const embedding = await store.get(source.sha1, storeKey);
        if (!embedding) {
          throw new QueueJobFailedError(
            jobId,
            `no valid embedding in the store at ${store.pathFor(source.sha1, storeKey)}`,
          );
        }
        return { embedding, reused: result.reused };
      },
      async synth({ embeddings, streamNames, hashes, decode }) {
        const { queue, events } = await stage('synth');
        let done = 0;
        return Promise.all(
          embeddings.map(async (embedding, i) => {
            const seed = decode.seed ?? 0;
            const jobId = synthJobId(hashes[i], seed, streamNames[i]);
            const data: SynthJobData = {
              modelDir: model.dir,
              embedding: packEmbedding(embedding),
              streamName: streamNames[i],
              seed,
              temperature: decode.temperature,
              clipPath: clipStorePath(clipRoot, jobId),
            };
            const job = await queue.add('synth', data, { ...jobOptions(attempts), jobId });
            await wait(job, events, target);
            const audio = (await readWav(data.clipPath)).channels[0];
            decode.onProgress?.(++done, embeddings.length);
            return audio;
          }),
        );
      },
      async close() {
        for (const { queue, events } of stages.values()) {
          await events.close();
          await queue.close();
        }
        for (const client of clients) client.disconnect();
      },
    };
  };
}
