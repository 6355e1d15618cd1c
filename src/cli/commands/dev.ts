import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  buildFixtureWiki,
  FIXTURE_ROOT,
  startCommonsFixture,
} from '../../commons/fixture/index.js';
import { UsageError } from '../../errors.js';
import { numberOption, parseCount, parsePositive } from './parse.js';

function defaultCorpus(): string {
  const shared = process.env.COMMONSYNTH_SHARED;
  return shared ? join(shared, 'corpus') : resolve('..', 'shared', 'corpus');
}

export function register(program: Command): void {
  const dev = program
    .command('dev')
    .description('tools for developing and demonstrating commonsynth offline');
  dev
    .command('commons-fixture')
    .description(
      'serve a small local Commons (API and downloads) on 127.0.0.1, built from the shared corpus',
    )
    .option(
      '--corpus <dir>',
      'corpus folder with manifest.csv (default: $COMMONSYNTH_SHARED/corpus or ../shared/corpus)',
    )
    .option(
      '--port <n>',
      'port (default: any free one)',
      numberOption('--port', { min: 0, max: 65535, integer: true }),
    )
    .option('--per-theme <n>', 'corpus files per theme', parseCount('--per-theme'), 2)
    .option(
      '--throttle <bytes-per-second>',
      'serve downloads this slowly',
      parsePositive('--throttle'),
    )
    .action(
      async (flags: { corpus?: string; port?: number; perTheme: number; throttle?: number }) => {
        const corpusDir = flags.corpus ?? defaultCorpus();
        if (!existsSync(join(corpusDir, 'manifest.csv'))) {
          throw new UsageError(`${corpusDir}: no manifest.csv here; pass --corpus DIR`);
        }
        const wiki = buildFixtureWiki({ corpusDir, perTheme: flags.perTheme });
        const fixture = await startCommonsFixture(wiki, {
          port: flags.port,
          throttleBytesPerSecond: flags.throttle,
        });
        process.stdout.write(
          `local Commons at ${fixture.apiUrl} (${wiki.files.length} files; Ctrl-C to stop)\n` +
            `try: commonsynth curate --api ${fixture.apiUrl} --category "${FIXTURE_ROOT}" --depth 3 --data ./demo-data --contact you@example.org\n`,
        );
        await new Promise<void>((done) => {
          const stop = (): void => {
            void fixture.close().then(done);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      },
    );
}
