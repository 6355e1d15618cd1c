import type { Command } from 'commander';
import { type InstalledModel, listModels, userModelsDir } from '../../model/registry.js';
import { formatBytes } from '../output.js';

/** The JSON shape of one row of `commonsynth models --json`. */
export interface ModelListing {
  name: string;
  default: boolean;
  source: InstalledModel['source'];
  family: string | null;
  modelName: string | null;
  version: string | null;
  sizeBytes: number;
  path: string;
  error?: string;
}

export function toListing(m: InstalledModel): ModelListing {
  const row: ModelListing = {
    name: m.name,
    default: m.isDefault,
    source: m.source,
    family: m.config?.family ?? null,
    modelName: m.config?.name ?? null,
    version: m.config?.version ?? null,
    sizeBytes: m.sizeBytes,
    path: m.dir,
  };
  if (m.error !== undefined) row.error = m.error;
  return row;
}

function table(rows: ModelListing[]): string {
  const header = ['', 'NAME', 'FAMILY', 'VERSION', 'SIZE', 'PATH'];
  const cells = rows.map((r) => [
    r.default ? '*' : '',
    r.name,
    r.family ?? 'broken',
    r.version ?? '-',
    formatBytes(r.sizeBytes),
    r.error ? `${r.path}  (${r.error})` : r.path,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}

export function register(program: Command): void {
  program
    .command('models')
    .description(
      'list installed model packages: the shipped default (*) and those in $COMMONSYNTH_HOME/models',
    )
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const rows = (await listModels()).map(toListing);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write(`no models installed (user models folder: ${userModelsDir()})\n`);
        return;
      }
      process.stdout.write(`${table(rows)}\n`);
      process.stdout.write(`\n* default model; user models folder: ${userModelsDir()}\n`);
    });
}
