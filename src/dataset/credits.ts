/** Credits and exports: what a user needs to publish work made from the dataset. */
import { stringify } from 'csv-stringify/sync';
import type { CreditEntry, ManifestFile } from './manifest.js';

/**
 * One TASL line per file (Title, Author, Source, License), the form Creative Commons
 * recommends: "Title" by Author, source URL, License (license URL).
 */
export function formatCreditLine(entry: CreditEntry): string {
  const license = entry.licenseUrl ? `${entry.license} (${entry.licenseUrl})` : entry.license;
  return `"${entry.title}" by ${entry.author}, ${entry.sourceUrl}, ${license}`;
}

export function formatCreditsText(entries: readonly CreditEntry[]): string {
  return entries.map((entry) => `${formatCreditLine(entry)}\n`).join('');
}

/** The flat row exported for each file (CSV columns, JSONL objects). */
export interface ExportRow {
  sha1: string;
  page_id: number;
  title: string;
  status: string;
  reason: string;
  themes: string;
  categories: string;
  mime: string;
  size: number;
  duration: number | null;
  author: string;
  license: string;
  license_url: string;
  license_kind: string;
  attribution_required: boolean;
  source_url: string;
  url: string;
  local_path: string;
  listed_at: string;
  downloaded_at: string;
}

export const EXPORT_COLUMNS: readonly (keyof ExportRow)[] = [
  'sha1',
  'page_id',
  'title',
  'status',
  'reason',
  'themes',
  'categories',
  'mime',
  'size',
  'duration',
  'author',
  'license',
  'license_url',
  'license_kind',
  'attribution_required',
  'source_url',
  'url',
  'local_path',
  'listed_at',
  'downloaded_at',
];

export function toExportRow(file: ManifestFile): ExportRow {
  return {
    sha1: file.sha1,
    page_id: file.pageId,
    title: file.title,
    status: file.status,
    reason: file.reason ?? '',
    themes: file.themes.join(';'),
    categories: file.categories.join(';'),
    mime: file.mime,
    size: file.size,
    duration: file.duration ?? null,
    author: file.license.author,
    license: file.license.license,
    license_url: file.license.licenseUrl ?? '',
    license_kind: file.license.licenseKind,
    attribution_required: file.license.attributionRequired,
    source_url: file.sourceUrl,
    url: file.url,
    local_path: file.localPath ?? '',
    listed_at: file.listedAt,
    downloaded_at: file.downloadedAt ?? '',
  };
}

export type ExportFormat = 'csv' | 'jsonl';

export function exportFiles(files: readonly ManifestFile[], format: ExportFormat): string {
  const rows = files.map(toExportRow);
  if (format === 'jsonl') return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
  return stringify(rows, {
    header: true,
    columns: [...EXPORT_COLUMNS],
    cast: { boolean: (value) => (value ? 'true' : 'false') },
  });
}
