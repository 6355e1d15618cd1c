/** `commonsynth worker`: BullMQ workers that run the library's encode and synth on queued jobs. */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Job, Worker } from 'bullmq';
import { writeWav } from '../audio/index.js';
import { type Autoencoder, openAutoencoder } from '../model/autoencoder.js';
import { EmbeddingStore } from '../pipeline/embedding-store.js';
import { loadMatchedSource } from '../pipeline/run.js';
import { checkRedis, redisClient } from './connection.js';
import {
  type EncodeJobData,
  type EncodeJobResult,
  type QueueStage,
  queueName,
  type SynthJobData,
  type SynthJobResult,
  unpackEmbedding,
} from './jobs.js';

export interface WorkerOptions {
  url: string;
  stages: readonly QueueStage[];
  concurrency?: number;
  threads?: number;
  log?: (line: string) => void;
}

export interface RunningWorkers {
  close(): Promise<void>;
}

export async function startWorkers(options: WorkerOptions): Promise<RunningWorkers> {
  const target = await checkRedis(options.url);
  const log = options.log ?? (() => {});
  // One model per package folder, opened on first use and kept for the worker's life.
  const models = new Map<string, Promise<Autoencoder>>();
  const model = (dir: string): Promise<Autoencoder> => {
    let m = models.get(dir);
    if (!m) {
      m = openAutoencoder(dir, { threads: options.threads });
      models.set(dir, m);
    }
    return m;
  };
  const processors: Record<QueueStage, (job: Job) => Promise<unknown>> = {
    async encode(job): Promise<EncodeJobResult> {
      const data = job.data as EncodeJobData;
      const store = new EmbeddingStore(data.storeRoot);
      if (await store.get(data.sha1, data.storeKey)) {
        return { reused: true, stored: store.pathFor(data.sha1, data.storeKey) };
      }
      const m = await model(data.modelDir);
      const audio = await loadMatchedSource(data.path, m.info.sampleRate);
      // EmbeddingStore.put writes a temporary file and renames it: racing workers leave one valid entry.
      return {
        reused: false,
        stored: await store.put(data.sha1, data.storeKey, await m.encode(audio)),
      };
    },
    async synth(job): Promise<SynthJobResult> {
      const data = job.data as SynthJobData;
      const m = await model(data.modelDir);
      const [audio] = await m.decode([unpackEmbedding(data.embedding)], {
        seed: data.seed,
        temperature: data.temperature,
        streamNames: [data.streamName],
      });
      await mkdir(dirname(data.clipPath), { recursive: true });
      await writeWav(data.clipPath, audio, m.info.sampleRate, { format: 'float32' });
      return { clipPath: data.clipPath, samples: audio.length };
    },
  };
  const workers = options.stages.map((stage) => {
    const worker = new Worker(queueName(stage), processors[stage], {
      connection: redisClient(target, (m) => log(`redis: ${m}`)),
      concurrency: options.concurrency ?? 1,
    });
    worker.on('completed', (job) => log(`done ${job.id}`));
    worker.on('failed', (job, error) =>
      log(`failed ${job?.id} (attempt ${job?.attemptsMade}): ${error.message}`),
    );
    worker.on('error', (error) =>
      log(`worker error: ${error.message.split(target.password ?? '\0').join('***')}`),
    );
    return worker;
  });
  log(`worker on ${target.redacted}: ${options.stages.join(', ')}`);
  return {
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      for (const m of models.values()) await (await m).close();
    },
  };
}
