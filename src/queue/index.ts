/** Distributed `run`: BullMQ jobs over Redis, done by `commonsynth worker` processes. */
export { checkRedis, RedisUnreachableError, redisOptions } from './connection.js';
export { type QueueExecutorOptions, QueueJobFailedError, queueExecutor } from './executor.js';
export * from './jobs.js';
export {
  parseRedisUrl,
  type RedisTarget,
  RedisUrlError,
  redactRedisUrl,
  redactSecret,
} from './url.js';
export { type RunningWorkers, startWorkers, type WorkerOptions } from './worker.js';
