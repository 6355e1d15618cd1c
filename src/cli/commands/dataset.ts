import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { LicenseKind } from '../../commons/licenses.js';
import { exportFiles, formatCreditsText } from '../../dataset/credits.js';
import {
  FILE_STATUSES,
  type FileQuery,
  type FileStatus,
  openManifest,
} from '../../dataset/manifest.js';
import { UsageError } from '../../errors.js';
import { parseCount } from './parse.js';

interface FilterFlags {
  data: string;
  status?: string;
  theme?: string;
  license?: string;
  limit?: number;
  json?: boolean;
}

function query(flags: FilterFlags): FileQuery {
  let status: FileStatus[] | undefined;
  if (flags.status !== undefined) {
    status = flags.status.split(',').map((s) => s.trim()) as FileStatus[];
    const bad = status.filter((s) => !FILE_STATUSES.includes(s));
    if (bad.length > 0) {
      throw new UsageError(`unknown status ${bad.join(', ')}; known: ${FILE_STATUSES.join(', ')}`);
    }
  }
  return {
    status,
    theme: flags.theme,
    licenseKind: flags.license as LicenseKind | undefined,
    limit: flags.limit,
  };
}

function withFilters(command: Command): Command {
  return command
    .requiredOption('--data <dir>', 'data folder')
    .option('--status <list>', `only these statuses (comma-separated: ${FILE_STATUSES.join(', ')})`)
    .option('--theme <name>', 'only this theme')
    .option('--license <kind>', 'only this license kind (cc0, public-domain, cc-by, cc-by-sa, …)')
    .option('--limit <n>', 'at most this many files', parseCount('--limit'));
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]))).join('  '))
    .join('\n');
}

export function register(program: Command): void {
  const dataset = program
    .command('dataset')
    .description('inspect a curated dataset: ls, stats, credits, export');

  withFilters(dataset.command('ls').description('list the files in the manifest'))
    .option('--json', 'print JSON')
    .action((flags: FilterFlags) => {
      const manifest = openManifest(flags.data, { create: false });
      try {
        const files = manifest.listFiles(query(flags));
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(files, null, 2)}\n`);
          return;
        }
        const rows = [
          ['SHA1', 'STATUS', 'THEMES', 'LICENSE', 'TITLE'],
          ...files.map((f) => [
            f.sha1.slice(0, 10),
            f.status === 'failed' ? `failed (${f.reason})` : f.status,
            f.themes.join(',') || '-',
            f.license.license,
            f.title,
          ]),
        ];
        process.stdout.write(`${table(rows)}\n`);
      } finally {
        manifest.close();
      }
    });

  dataset
    .command('stats')
    .description('counts and sizes by status, theme and license; refused files by reason')
    .requiredOption('--data <dir>', 'data folder')
    .option('--json', 'print JSON')
    .action((flags: { data: string; json?: boolean }) => {
      const manifest = openManifest(flags.data, { create: false });
      try {
        const stats = manifest.stats();
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
          return;
        }
        const section = (title: string, counts: Record<string, number>): string =>
          `${title}:\n${
            Object.entries(counts)
              .map(([k, n]) => `  ${k}: ${n}`)
              .join('\n') || '  (none)'
          }`;
        const out = [
          `files: ${stats.files}, ${(stats.bytes / 1024 / 1024).toFixed(1)} MiB, ${(stats.durationSeconds / 60).toFixed(1)} min`,
          section('by status', stats.byStatus),
          `by theme:\n${
            Object.entries(stats.byTheme)
              .map(
                ([t, s]) =>
                  `  ${t}: ${s.files} files, ${(s.bytes / 1024 / 1024).toFixed(1)} MiB, ${(s.durationSeconds / 60).toFixed(1)} min`,
              )
              .join('\n') || '  (none)'
          }`,
          section('by license', stats.byLicense),
          section('dropped', stats.dropped),
        ];
        process.stdout.write(`${out.join('\n')}\n`);
      } finally {
        manifest.close();
      }
    });

  withFilters(
    dataset
      .command('credits')
      .description('TASL credits (title, author, source, license) for each file'),
  )
    .option('--sha1 <list>', 'only these files (comma-separated sha1s)')
    .option('--format <format>', 'text or json', 'text')
    .option('--json', 'same as --format json')
    .action((flags: FilterFlags & { sha1?: string; format: string }) => {
      const format = flags.json ? 'json' : flags.format;
      if (format !== 'text' && format !== 'json')
        throw new UsageError(`--format must be text or json, not "${format}"`);
      const manifest = openManifest(flags.data, { create: false });
      try {
        const sha1s = flags.sha1
          ? flags.sha1.split(',').map((s) => s.trim())
          : manifest.listFiles(query(flags)).map((f) => f.sha1);
        const credits = manifest.creditsFor(sha1s);
        process.stdout.write(
          format === 'json' ? `${JSON.stringify(credits, null, 2)}\n` : formatCreditsText(credits),
        );
      } finally {
        manifest.close();
      }
    });

  withFilters(dataset.command('export').description('the manifest as CSV or JSON Lines'))
    .option('--format <format>', 'csv or jsonl', 'csv')
    .option('--out <file>', 'write here instead of standard output')
    .action((flags: FilterFlags & { format: string; out?: string }) => {
      if (flags.format !== 'csv' && flags.format !== 'jsonl') {
        throw new UsageError(`--format must be csv or jsonl, not "${flags.format}"`);
      }
      const manifest = openManifest(flags.data, { create: false });
      try {
        const text = exportFiles(manifest.listFiles(query(flags)), flags.format);
        if (flags.out) writeFileSync(flags.out, text);
        else process.stdout.write(text);
      } finally {
        manifest.close();
      }
    });
}
