/**
 * Themes map a name (music, nature, …) to Commons categories and crawl settings. Defaults ship
 * here; a JSON config file can replace any theme, add new ones, and hold the contact.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../commons/errors.js';
import type { MediaFilter } from '../commons/media.js';
import { describeError } from '../errors.js';

export interface ThemeDefinition {
  /** Commons categories to walk ("Category:" prefix optional). */
  categories: string[];
  /** Subcategory levels to walk below each category. */
  depth?: number;
  /** Most files taken from any one category. */
  perCategoryCap?: number;
  /** Seconds. */
  minDuration?: number;
  /** Seconds. */
  maxDuration?: number;
  /** Allowed MIME types (default: the audio types commonsynth decodes). */
  mimes?: string[];
}

/** Settings applied to every theme unless the theme sets its own. */
export interface CrawlDefaults {
  depth: number;
  perCategoryCap?: number;
  minDuration?: number;
  maxDuration?: number;
  mimes?: string[];
}

export interface CurateConfig {
  /** Contact for the User-Agent (e-mail, URL or User: page). */
  contact?: string;
  /** Action API endpoint. */
  api?: string;
  /** Download bandwidth cap in megabits per second. */
  bandwidthMbps?: number;
  defaults?: Partial<CrawlDefaults>;
  themes?: Record<string, ThemeDefinition>;
}

export const THEME_NAMES = ['music', 'nature', 'human', 'animal', 'interior', 'exterior'] as const;

export const DEFAULT_CRAWL: CrawlDefaults = {
  depth: 2,
  perCategoryCap: 200,
  minDuration: 1,
  maxDuration: 600,
};

/**
 * Starting points on Commons for each theme. Commons' category tree changes; check a theme
 * with `curate --theme T --depth 0 --limit 10` and override it in the config file as needed.
 */
export const DEFAULT_THEMES: Readonly<Record<(typeof THEME_NAMES)[number], ThemeDefinition>> = {
  music: { categories: ['Category:Audio files of music'] },
  nature: {
    categories: [
      'Category:Sounds of nature',
      'Category:Sounds of water',
      'Category:Sounds of weather',
    ],
  },
  human: { categories: ['Category:Human voice', 'Category:Sounds of people'] },
  animal: { categories: ['Category:Animal sounds', 'Category:Bird vocalizations'] },
  interior: { categories: ['Category:Sounds of household appliances', 'Category:Sounds of tools'] },
  exterior: {
    categories: [
      'Category:Field recordings',
      'Category:Sounds of vehicles',
      'Category:City sounds',
    ],
  },
};

/** A theme with every setting filled in. */
export interface ResolvedTheme {
  name: string;
  categories: string[];
  depth: number;
  perCategoryCap?: number;
  media: MediaFilter;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkNumber(file: string, where: string, value: unknown, integer: boolean): void {
  if (value === undefined) return;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (integer && !Number.isInteger(value))
  ) {
    throw new ConfigError(
      file,
      `${where} must be a non-negative ${integer ? 'integer' : 'number'}`,
    );
  }
}

function checkStrings(file: string, where: string, value: unknown, required: boolean): void {
  if (value === undefined && !required) return;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.trim() === '')) {
    throw new ConfigError(file, `${where} must be a list of non-empty strings`);
  }
  if (required && value.length === 0) throw new ConfigError(file, `${where} must not be empty`);
}

function checkCrawlSettings(file: string, where: string, value: Record<string, unknown>): void {
  checkNumber(file, `${where}.depth`, value.depth, true);
  checkNumber(file, `${where}.perCategoryCap`, value.perCategoryCap, true);
  checkNumber(file, `${where}.minDuration`, value.minDuration, false);
  checkNumber(file, `${where}.maxDuration`, value.maxDuration, false);
  checkStrings(file, `${where}.mimes`, value.mimes, false);
}

/** Checks a parsed config's shape; `file` names it in errors. */
export function validateCurateConfig(value: unknown, file: string): CurateConfig {
  if (!isRecord(value)) throw new ConfigError(file, 'the config must be a JSON object');
  const known = ['contact', 'api', 'bandwidthMbps', 'defaults', 'themes'];
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      file,
      `unknown key(s) ${unknown.join(', ')}; expected ${known.join(', ')}`,
    );
  }
  for (const key of ['contact', 'api'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'string') {
      throw new ConfigError(file, `"${key}" must be a string`);
    }
  }
  if (
    value.bandwidthMbps !== undefined &&
    !(typeof value.bandwidthMbps === 'number' && value.bandwidthMbps > 0)
  ) {
    throw new ConfigError(file, '"bandwidthMbps" must be a positive number');
  }
  if (value.defaults !== undefined) {
    if (!isRecord(value.defaults)) throw new ConfigError(file, '"defaults" must be an object');
    checkCrawlSettings(file, 'defaults', value.defaults);
  }
  if (value.themes !== undefined) {
    if (!isRecord(value.themes))
      throw new ConfigError(file, '"themes" must be an object of themes');
    for (const [name, theme] of Object.entries(value.themes)) {
      if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) {
        throw new ConfigError(
          file,
          `theme name "${name}" must be lower-case letters, digits, - or _`,
        );
      }
      if (!isRecord(theme)) throw new ConfigError(file, `themes.${name} must be an object`);
      checkStrings(file, `themes.${name}.categories`, theme.categories, true);
      checkCrawlSettings(file, `themes.${name}`, theme);
    }
  }
  return value as CurateConfig;
}

/** Reads and checks a JSON config file. */
export function loadCurateConfig(file: string): CurateConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, `cannot read: ${describeError(error)}`, error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, `not valid JSON: ${describeError(error)}`, error);
  }
  return validateCurateConfig(parsed, file);
}

/**
 * The config file to use when none is named: commonsynth.json in the data folder, else
 * $XDG_CONFIG_HOME/commonsynth/config.json (~/.config/commonsynth/config.json).
 */
export function findConfigFile(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const configHome = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return [join(dataDir, 'commonsynth.json'), join(configHome, 'commonsynth', 'config.json')].find(
    (p) => existsSync(p),
  );
}

/** Every theme known: the defaults, replaced or extended by the config's themes. */
export function themeNames(config: CurateConfig = {}): string[] {
  return [...new Set([...Object.keys(DEFAULT_THEMES), ...Object.keys(config.themes ?? {})])];
}

/** A theme with the config's defaults and the built-in defaults filled in. */
export function resolveTheme(name: string, config: CurateConfig = {}): ResolvedTheme | undefined {
  const theme = config.themes?.[name] ?? (DEFAULT_THEMES as Record<string, ThemeDefinition>)[name];
  if (theme === undefined) return undefined;
  const defaults = { ...DEFAULT_CRAWL, ...config.defaults };
  return {
    name,
    categories: [...theme.categories],
    depth: theme.depth ?? defaults.depth,
    perCategoryCap: theme.perCategoryCap ?? defaults.perCategoryCap,
    media: {
      mimes: theme.mimes ?? defaults.mimes,
      minDuration: theme.minDuration ?? defaults.minDuration,
      maxDuration: theme.maxDuration ?? defaults.maxDuration,
    },
  };
}
