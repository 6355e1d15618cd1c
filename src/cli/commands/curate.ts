import type { Command } from 'commander';
import { resolveContact } from '../../commons/contact.js';
import { type CurateEvent, type CurateSummary, curate } from '../../dataset/curate.js';
import {
  type CurateConfig,
  findConfigFile,
  loadCurateConfig,
  themeNames,
} from '../../dataset/themes.js';
import { UsageError } from '../../errors.js';
import { EXIT_FAILED } from '../output.js';
import { createProgress, type Progress } from '../progress.js';
import { parseCount, parsePositive } from './parse.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

interface CurateFlags {
  theme?: string;
  category?: string[];
  data: string;
  contact?: string;
  api?: string;
  config?: string;
  depth?: number;
  limit?: number;
  perCategoryCap?: number;
  minDuration?: number;
  maxDuration?: number;
  mime?: string[];
  bandwidth?: number;
  retryFailed?: boolean;
  listOnly?: boolean;
  json?: boolean;
}

function formatSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function report(summary: CurateSummary): string {
  const lines = [
    `${summary.crawlKey}: ${summary.totalFiles} files (${summary.listed} new this run)` +
      (summary.duplicates > 0 ? `, ${summary.duplicates} duplicate uploads linked` : ''),
  ];
  const dropped = Object.entries(summary.dropped);
  if (dropped.length > 0)
    lines.push(`dropped: ${dropped.map(([reason, n]) => `${reason} ${n}`).join(', ')}`);
  lines.push(
    `downloaded ${summary.downloaded} (${formatSize(summary.bytesDownloaded)}), already present ${summary.present}, failed ${summary.failed.length}`,
  );
  for (const failure of summary.failed)
    lines.push(`  failed: ${failure.title} (${failure.sha1}): ${failure.reason}`);
  lines.push(
    summary.crawlComplete
      ? 'crawl complete'
      : 'crawl not complete (limit reached or interrupted): run again to continue',
  );
  return `${lines.join('\n')}\n`;
}

/** Progress bars for listing, then downloading; waits are told on stderr. */
function progressListener(
  enabled: boolean | undefined,
  limit: number | undefined,
): {
  onEvent: (e: CurateEvent) => void;
  stop: () => void;
} {
  let listing: Progress | undefined;
  let downloads: Progress | undefined;
  let taken = 0;
  return {
    onEvent(event) {
      if (event.type === 'listing') {
        listing ??= createProgress('listing', { unit: 'files', total: limit ?? 0, enabled });
        // Without a limit the total is unknown: the bar shows what has been found so far.
        if (limit === undefined) listing.setTotal(Math.max(event.taken, 1));
        listing.tick(event.taken - taken, event.category);
        taken = event.taken;
      } else if (event.type === 'downloads') {
        listing?.stop();
        listing = undefined;
        downloads = createProgress('downloading', { unit: 'files', total: event.total, enabled });
      } else if (event.type === 'downloaded') {
        downloads?.tick(1, event.title.replace(/^File:/, ''));
      } else if (event.type === 'wait' && event.wait.delayMs >= 1000 && process.stderr.isTTY) {
        process.stderr.write(
          `\nwaiting ${(event.wait.delayMs / 1000).toFixed(1)} s (${event.wait.reason}${event.wait.status ? ` ${event.wait.status}` : ''})\n`,
        );
      }
    },
    stop() {
      listing?.stop();
      downloads?.stop();
    },
  };
}

export function register(program: Command): void {
  program
    .command('curate')
    .description(
      'build a themed, license-checked dataset from Wikimedia Commons (resumable: run again to continue)',
    )
    .option(
      '--theme <name>',
      'a theme from the config (defaults: music, nature, human, animal, interior, exterior)',
    )
    .option(
      '--category <title>',
      'a Commons category to walk instead of a theme (repeatable)',
      collect,
    )
    .requiredOption('--data <dir>', 'data folder (manifest.sqlite and store/)')
    .option(
      '--contact <address>',
      'your e-mail, URL or User: page for the User-Agent (or COMMONSYNTH_CONTACT)',
    )
    .option('--api <url>', 'MediaWiki Action API endpoint (default: Commons)')
    .option(
      '--config <file>',
      'JSON config (default: DATA/commonsynth.json, then ~/.config/commonsynth/config.json)',
    )
    .option('--depth <n>', 'subcategory levels to walk', parseCount('--depth'))
    .option('--limit <n>', 'stop listing after this many files', parseCount('--limit'))
    .option(
      '--per-category-cap <n>',
      'most files from any one category',
      parseCount('--per-category-cap'),
    )
    .option('--min-duration <seconds>', 'skip shorter files', parsePositive('--min-duration'))
    .option('--max-duration <seconds>', 'skip longer files', parsePositive('--max-duration'))
    .option(
      '--mime <type>',
      'allowed MIME type (repeatable; default: Ogg, Opus, FLAC, WAV, MP3, WebM audio)',
      collect,
    )
    .option(
      '--bandwidth <mbps>',
      'download cap in megabits per second (default 25)',
      parsePositive('--bandwidth'),
    )
    .option('--retry-failed', 'download files that failed before again')
    .option('--list-only', 'list and record files, download nothing')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: CurateFlags) => {
      const configFile = flags.config ?? findConfigFile(flags.data);
      const config: CurateConfig = configFile ? loadCurateConfig(configFile) : {};
      if (flags.theme !== undefined && !themeNames(config).includes(flags.theme)) {
        throw new UsageError(
          `unknown theme "${flags.theme}"; known: ${themeNames(config).join(', ')}`,
        );
      }
      let contact: string;
      try {
        contact = resolveContact({ flag: flags.contact, env: process.env, config: config.contact });
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const progress = progressListener(flags.json ? false : undefined, flags.limit);
      let summary: CurateSummary;
      try {
        summary = await curate({
          dataDir: flags.data,
          contact,
          apiUrl: flags.api,
          theme: flags.theme,
          categories: flags.category,
          config,
          depth: flags.depth,
          limit: flags.limit,
          perCategoryCap: flags.perCategoryCap,
          media: {
            minDuration: flags.minDuration,
            maxDuration: flags.maxDuration,
            mimes: flags.mime,
          },
          bandwidthMbps: flags.bandwidth,
          retryFailed: flags.retryFailed,
          listOnly: flags.listOnly,
          onEvent: progress.onEvent,
        });
      } finally {
        progress.stop();
      }
      process.stdout.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : report(summary));
      if (summary.failed.length > 0) process.exitCode = EXIT_FAILED;
    });
}
