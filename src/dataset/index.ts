/** Datasets: the SQLite manifest, the content-addressed store, themes, curate, credits. */
export {
  EXPORT_COLUMNS,
  type ExportFormat,
  type ExportRow,
  exportFiles,
  formatCreditLine,
  formatCreditsText,
  toExportRow,
} from './credits.js';
export {
  type CurateEvent,
  type CurateFailure,
  type CurateOptions,
  type CurateSummary,
  crawlKeyFor,
  curate,
} from './curate.js';
export { InvalidSha1Error, ManifestError, UnsafePathError } from './errors.js';
export { DatasetLockedError, LOCK_FILE, lockDataset } from './lock.js';
export {
  type AddResult,
  type CreditEntry,
  type DatasetStats,
  FILE_STATUSES,
  type FileQuery,
  type FileStatus,
  type ListedFileInput,
  MANIFEST_FILE,
  Manifest,
  type ManifestFile,
  MIGRATIONS,
  migrate,
  type OpenManifestOptions,
  openManifest,
  SCHEMA_VERSION,
} from './manifest.js';
export { assertSha1, ContentStore, STORE_DIR } from './store.js';
export {
  type CrawlDefaults,
  type CurateConfig,
  DEFAULT_CRAWL,
  DEFAULT_THEMES,
  findConfigFile,
  loadCurateConfig,
  type ResolvedTheme,
  resolveTheme,
  THEME_NAMES,
  type ThemeDefinition,
  themeNames,
  validateCurateConfig,
} from './themes.js';
