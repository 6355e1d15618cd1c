/**
 * npm run bench:run-memory [-- --pairs N] [--length S] [--json]
 *
 * Peak memory of the main job: `commonsynth run --source <shared corpus audio> --pairs 200
 * --length 10` (issue 12: it must stay under 1.5 GB; before decoding in bounded batches, 200
 * pairs took 5.7 GB). The run goes in a child process (the CLI from src/ through tsx, with a
 * fresh $COMMONSYNTH_HOME, so every source is encoded too) under GNU time, whose "maximum
 * resident set size" is the child's peak RSS. Linux (or any system with GNU time at
 * /usr/bin/time) only. Not part of `npm test`: it takes minutes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusDir } from '../test/helpers/shared.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function argValue(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} needs a positive number`);
  return value;
}

async function main(): Promise<void> {
  const pairs = argValue('--pairs', 200);
  const length = argValue('--length', 10);
  const json = process.argv.includes('--json');
  if (!existsSync('/usr/bin/time')) throw new Error('GNU time (/usr/bin/time) is needed');
  const work = await mkdtemp(join(tmpdir(), 'commonsynth-bench-run-'));
  try {
    const out = join(work, 'out');
    const timeFile = join(work, 'time.txt');
    const started = performance.now();
    const child = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        '%M %e',
        '-o',
        timeFile,
        process.execPath,
        '--import',
        'tsx',
        join(root, 'src', 'cli', 'main.ts'),
        'run',
        '--source',
        join(corpusDir(), 'audio'),
        '--pairs',
        String(pairs),
        '--length',
        String(length),
        '--seed',
        '1',
        '--out',
        out,
        '--json',
      ],
      {
        cwd: root,
        env: { ...process.env, COMMONSYNTH_HOME: join(work, 'home') },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const wall = (performance.now() - started) / 1000;
    if (child.status !== 0) {
      throw new Error(`run exited ${child.status}: ${child.stderr.slice(-2000)}`);
    }
    const [maxRssKiB, elapsed] = (await readFile(timeFile, 'utf8')).trim().split(/\s+/).map(Number);
    const report = JSON.parse(child.stdout) as {
      counts: { clips: number; encoded: number };
      timings: Record<string, number>;
    };
    const result = {
      command: `run --source <corpus>/audio --pairs ${pairs} --length ${length} --seed 1`,
      peakRssMiB: Math.round(maxRssKiB / 1024),
      targetMiB: 1536,
      seconds: elapsed || wall,
      clips: report.counts.clips,
      encoded: report.counts.encoded,
      timings: report.timings,
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
      },
      date: new Date().toISOString(),
    };
    if (json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      process.stdout.write(
        `${result.command}\n` +
          `peak RSS ${result.peakRssMiB} MiB (target < ${result.targetMiB} MiB), ` +
          `${result.seconds.toFixed(1)} s, ${result.clips} clips, ${result.encoded} sources encoded\n` +
          `stages: ${Object.entries(result.timings)
            .map(([stage, s]) => `${stage} ${s.toFixed(1)} s`)
            .join(', ')}\n` +
          `machine: ${result.machine.cpus} x ${result.machine.model}, ${result.machine.memoryGiB} GiB, ` +
          `Node ${result.machine.node}, load ${result.machine.loadAverage.join(' ')}\n`,
      );
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
