/**
 * Credits for generated audio: every source sound with TASL attribution (Title, Author, Source,
 * License), the model and its own credits, the recipe and the seed, and the notices the output's
 * licenses impose (share-alike above all). Written as credits.json (for programs) and
 * CREDITS.txt (for people), so an output can be published legally.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { parse } from 'csv-parse/sync';
import { CommonsynthError } from '../errors.js';
import { sha1OfFile } from '../hash.js';
import type { Recipe } from '../mashup/index.js';
import { VERSION } from '../version.js';

/** What credits need for one source sound (TASL), as the dataset manifest stores it. */
export interface SourceCredit {
  title: string;
  author: string;
  /** Where the sound was published (a URL), or "unknown: local file". */
  sourceUrl: string;
  /** The license as the source names it, e.g. "CC BY-SA 4.0", "CC0", "unknown: local file". */
  license: string;
  licenseUrl: string | null;
  sha1: string;
  /** The local file used, when there is one. */
  path: string | null;
}

/** The model that made the audio; `credits` is the model package's credits object. */
export interface ModelCredit {
  name: string;
  version?: string;
  /** Usually `{ trainingData: [{title, author?, license?, source?}], model, license }`. */
  credits?: unknown;
}

export interface CreditsInput {
  /** The file these credits are for, e.g. "track.wav". */
  work?: string;
  sources: SourceCredit[];
  model: ModelCredit;
  seed: number;
  /** The recipe of a single clip, embedded in credits.json. */
  recipe?: Recipe;
  /** Paths of the recipe files of a track's clips. */
  recipes?: string[];
}

export type LicenseFamily =
  | 'cc0'
  | 'public-domain'
  | 'cc-by'
  | 'cc-by-sa'
  | 'gfdl'
  | 'gpl'
  | 'lgpl'
  | 'free-art'
  | 'other'
  | 'unknown';

export interface LicenseTerms {
  family: LicenseFamily;
  /** Version number when the name or URL has one, e.g. "4.0". */
  version?: string;
  attributionRequired: boolean;
  /** Adaptations must carry the same (or a compatible) license. */
  shareAlike: boolean;
  nonCommercial: boolean;
  noDerivatives: boolean;
}

export interface CreditedSource extends SourceCredit {
  terms: LicenseTerms;
}

export interface Credits {
  format: 'commonsynth-credits';
  version: 1;
  work?: string;
  generator: string;
  seed: number;
  model: ModelCredit;
  sources: CreditedSource[];
  /** True when any source is share-alike (CC BY-SA): the work must then carry `license`. */
  shareAlike: boolean;
  /** The license the work must be shared under, when a source imposes one. */
  license?: { name: string; url: string };
  /** What a publisher must know, in plain sentences. */
  notices: string[];
  recipe?: Recipe;
  recipes?: string[];
}

const COPYLEFT_NAMES: Partial<Record<LicenseFamily, string>> = {
  gfdl: 'GNU FDL',
  gpl: 'GNU GPL',
  lgpl: 'GNU LGPL',
  'free-art': 'Free Art License',
};

/**
 * What a license string (and URL) means for reuse. Recognises the names Commons, Freesound and
 * our manifests use ("CC BY-SA 4.0", "CC-BY-3.0", "cc-by-sa", "CC0", "Public domain", GFDL…).
 */
export function licenseTerms(license: string, licenseUrl?: string | null): LicenseTerms {
  const text = `${license} ${licenseUrl ?? ''}`.toLowerCase();
  const nonCommercial = /\bnc\b|by-nc|non-?commercial/.test(text);
  const noDerivatives = /\bnd\b|by-nd|no-?deriv/.test(text);
  const version = /(?:^|[^\d.])(\d\.\d)(?:[^\d.]|$)/.exec(text)?.[1];
  let family: LicenseFamily;
  if (/^unknown/.test(license.trim().toLowerCase()) || license.trim() === '') family = 'unknown';
  else if (/\bcc0\b|cc-zero|publicdomain\/zero/.test(text)) family = 'cc0';
  else if (/\bcc[- ]by(?:-nc)?[- ]sa\b|licenses\/by(?:-nc)?-sa\/|share ?-?alike/.test(text)) {
    family = 'cc-by-sa';
  } else if (
    /\bcc[- ]by\b|licenses\/by(?:-nc|-nd|-nc-nd)?\/|creative commons attribution/.test(text)
  ) {
    family = 'cc-by';
  } else if (/public ?domain|^pd\b|publicdomain\/mark/.test(text)) family = 'public-domain';
  else if (/\bgfdl\b|gnu free documentation/.test(text)) family = 'gfdl';
  else if (/\blgpl\b|lesser general public/.test(text)) family = 'lgpl';
  else if (/\bgpl\b|general public license/.test(text)) family = 'gpl';
  else if (/free art|art libre|artlibre/.test(text)) family = 'free-art';
  else family = 'other';
  const copyleft = family === 'cc-by-sa' || family in COPYLEFT_NAMES;
  const terms: LicenseTerms = {
    family,
    attributionRequired: !(family === 'cc0' || family === 'public-domain'),
    shareAlike: copyleft,
    nonCommercial,
    noDerivatives,
  };
  if (version !== undefined && family !== 'cc0') terms.version = version;
  return terms;
}

function quoteList(items: string[]): string {
  return items.map((t) => `"${t}"`).join(', ');
}

function compareVersions(a: string, b: string): number {
  return Number.parseFloat(a) - Number.parseFloat(b);
}

function noticesFor(
  sources: CreditedSource[],
  model: ModelCredit,
): {
  notices: string[];
  license?: { name: string; url: string };
} {
  const notices: string[] = [];
  let license: { name: string; url: string } | undefined;
  const titles = (pick: (s: CreditedSource) => boolean) =>
    quoteList(sources.filter(pick).map((s) => s.title));

  const bySa = sources.filter((s) => s.terms.family === 'cc-by-sa');
  if (bySa.length > 0) {
    // CC BY-SA 3.0 and 4.0 adaptations may be licensed under BY-SA 4.0 (a later version with the
    // same elements), so the newest version among the sources (at least 4.0 if unknown) covers all.
    const versions = bySa.map((s) => s.terms.version ?? '4.0').sort(compareVersions);
    const version = versions[versions.length - 1];
    license = {
      name: `CC BY-SA ${version}`,
      url: `https://creativecommons.org/licenses/by-sa/${version}/`,
    };
    notices.push(
      `Share-alike: this work is adapted from material under CC BY-SA (${titles((s) => s.terms.family === 'cc-by-sa')}). ` +
        `If you share it, you must license it under ${license.name} or a later version ` +
        '(or a license listed as compatible at https://creativecommons.org/share-your-work/licensing-considerations/compatible-licenses), ' +
        'keep these credits with it, and indicate that changes were made.',
    );
  }
  const copylefts = [...new Set(sources.map((s) => s.terms.family))].filter(
    (f) => COPYLEFT_NAMES[f] !== undefined,
  );
  for (const family of copylefts) {
    notices.push(
      `Copyleft: sources under the ${COPYLEFT_NAMES[family]} (${titles((s) => s.terms.family === family)}) ` +
        `require that this work be shared under the same license.`,
    );
  }
  if (copylefts.length + (bySa.length > 0 ? 1 : 0) > 1) {
    notices.push(
      'Warning: sources carry different copyleft licenses that may be incompatible with each other; check before publishing.',
    );
  }
  const attribution = sources.filter(
    (s) => s.terms.attributionRequired && s.terms.family !== 'unknown',
  );
  if (attribution.length > 0) {
    notices.push(
      `Attribution: ${attribution.length} source(s) require credit (${titles((s) => s.terms.attributionRequired && s.terms.family !== 'unknown')}). ` +
        'Publish these credits (title, author, source, license) with the work, and say that changes were made: ' +
        `the sounds were encoded by the model "${model.name}", mixed in its latent space and re-synthesised.`,
    );
  }
  const nc = titles((s) => s.terms.nonCommercial);
  if (nc)
    notices.push(`Non-commercial: ${nc} may not be used commercially; neither may this work.`);
  const nd = titles((s) => s.terms.noDerivatives);
  if (nd) {
    notices.push(
      `No derivatives: the licenses of ${nd} forbid sharing adaptations; this work must not be published.`,
    );
  }
  const unknown = titles((s) => s.terms.family === 'unknown');
  if (unknown) {
    notices.push(
      `Unknown license: ${unknown} came from local files without license information. Check that you may publish adaptations of them before sharing this work.`,
    );
  }
  if (sources.length > 0 && attribution.length === 0 && !unknown) {
    notices.push(
      'All sources are CC0 or in the public domain: no attribution is required; these credits are a courtesy.',
    );
  }
  return license ? { notices, license } : { notices };
}

/** Assemble the credits of one work (a track or a clip). Sources are de-duplicated by sha1. */
export function buildCredits(input: CreditsInput): Credits {
  const seen = new Set<string>();
  const sources: CreditedSource[] = [];
  for (const source of input.sources) {
    const key = source.sha1 || source.path || source.title;
    if (seen.has(key)) continue;
    seen.add(key);
    sources.push({ ...source, terms: licenseTerms(source.license, source.licenseUrl) });
  }
  const { notices, license } = noticesFor(sources, input.model);
  const credits: Credits = {
    format: 'commonsynth-credits',
    version: 1,
    generator: `commonsynth ${VERSION}`,
    seed: input.seed,
    model: input.model,
    sources,
    shareAlike: sources.some((s) => s.terms.shareAlike),
    notices,
  };
  if (input.work !== undefined) credits.work = input.work;
  if (license) credits.license = license;
  if (input.recipe) credits.recipe = input.recipe;
  if (input.recipes) credits.recipes = input.recipes;
  return credits;
}

/** Combine the credits of several works (e.g. a track's clips) into one for `work`. */
export function mergeCredits(parts: Credits[], work: string, seed: number): Credits {
  if (parts.length === 0) throw new CommonsynthError('CREDITS', 'no credits to merge');
  const models = [...new Map(parts.map((p) => [JSON.stringify(p.model), p.model])).values()];
  const model: ModelCredit =
    models.length === 1
      ? models[0]
      : {
          name: models.map((m) => m.name).join(' + '),
          credits: models.map((m) => m.credits ?? null),
        };
  const recipes = parts.flatMap((p) => p.recipes ?? []);
  return buildCredits({
    work,
    sources: parts.flatMap((p) => p.sources.map(({ terms: _terms, ...credit }) => credit)),
    model,
    seed,
    ...(recipes.length > 0 ? { recipes } : {}),
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function modelCreditLines(model: ModelCredit): string[] {
  const lines = [`Model: ${model.name}${model.version ? ` (version ${model.version})` : ''}`];
  const c = model.credits;
  if (c === undefined || c === null) return lines;
  if (typeof c === 'string') return [...lines, `   ${c}`];
  if (!isRecord(c)) return [...lines, `   ${JSON.stringify(c)}`];
  if (typeof c.model === 'string') lines.push(`   Made by: ${c.model}`);
  if (typeof c.license === 'string') lines.push(`   Weights license: ${c.license}`);
  if (Array.isArray(c.trainingData)) {
    for (const item of c.trainingData) {
      if (!isRecord(item)) continue;
      const parts = [`"${String(item.title ?? 'untitled')}"`];
      if (typeof item.author === 'string') parts.push(`by ${item.author}`);
      const rest = [item.source, item.license].filter((v) => typeof v === 'string');
      lines.push(`   Trained on: ${parts.join(' ')}${rest.length ? `, ${rest.join(', ')}` : ''}`);
    }
  }
  const known = new Set(['model', 'license', 'trainingData']);
  for (const [key, value] of Object.entries(c)) {
    if (!known.has(key))
      lines.push(`   ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  return lines;
}

/** CREDITS.txt: the same credits for people, one TASL block per source. */
export function creditsText(credits: Credits): string {
  const lines: string[] = [];
  lines.push(credits.work ? `Credits for ${credits.work}` : 'Credits');
  lines.push(`Made with ${credits.generator} from seed ${credits.seed}.`);
  if (credits.license) {
    lines.push(`This work must be shared under ${credits.license.name} (${credits.license.url}).`);
  }
  lines.push('');
  lines.push(`Sources (${credits.sources.length}): title, author, source, license`);
  credits.sources.forEach((s, i) => {
    lines.push(`${i + 1}. "${s.title}" by ${s.author}`);
    lines.push(`   Source: ${s.sourceUrl}`);
    lines.push(`   License: ${s.license}${s.licenseUrl ? ` (${s.licenseUrl})` : ''}`);
    const file = s.path ? basename(s.path) : undefined;
    lines.push(
      `   File: ${[file, s.sha1 ? `sha1 ${s.sha1}` : undefined].filter(Boolean).join(', ')}`,
    );
  });
  lines.push('');
  lines.push(...modelCreditLines(credits.model));
  if (credits.recipe) lines.push('', 'Recipe: in credits.json ("recipe")');
  if (credits.recipes?.length) lines.push('', 'Recipes:', ...credits.recipes.map((r) => `   ${r}`));
  if (credits.notices.length > 0) {
    lines.push('', 'Notices:');
    for (const notice of credits.notices) lines.push(`- ${notice}`);
  }
  return `${lines.join('\n')}\n`;
}

export const CREDITS_JSON = 'credits.json';
export const CREDITS_TEXT = 'CREDITS.txt';

/** Write credits.json and CREDITS.txt into `dir` (created if needed). Returns both paths. */
export async function writeCredits(
  dir: string,
  credits: Credits,
): Promise<{ json: string; text: string }> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, CREDITS_JSON);
  const text = join(dir, CREDITS_TEXT);
  await writeFile(json, `${JSON.stringify(credits, null, 2)}\n`);
  await writeFile(text, creditsText(credits));
  return { json, text };
}

/** A local manifest.csv that is malformed. */
export class ManifestCsvError extends CommonsynthError {
  constructor(file: string, message: string, cause?: unknown) {
    super('MANIFEST_CSV', `${file}: ${message}`, { file, cause });
  }
}

/** One row of a local manifest.csv (columns as in the shared corpus manifest). */
export interface LocalManifestRow {
  file: string;
  title: string;
  author: string;
  license: string;
  license_url: string;
  source_url: string;
  sha1: string;
  theme?: string;
  origin?: string;
  bytes?: string;
}

export interface LocalManifest {
  /** The manifest.csv file; rows' `file` paths are relative to its folder. */
  path: string;
  rows: LocalManifestRow[];
}

const REQUIRED_COLUMNS = [
  'file',
  'title',
  'author',
  'license',
  'license_url',
  'source_url',
  'sha1',
];

function readManifestCsv(path: string, text: string): LocalManifest | undefined {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, bom: true, trim: true });
  } catch (cause) {
    throw new ManifestCsvError(path, `not a readable CSV: ${(cause as Error).message}`, cause);
  }
  const header = text
    .split(/\r?\n/, 1)[0]
    .replace(/^\uFEFF/, '')
    .split(',')
    .map((c) => c.trim());
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new ManifestCsvError(path, `missing column(s) ${missing.join(', ')}`);
  }
  return { path, rows: records as unknown as LocalManifestRow[] };
}

/**
 * The manifest.csv that describes `dir`: the one in `dir` itself, else the nearest in a parent
 * folder (so `--source corpus/audio/nature` finds `corpus/manifest.csv`, whose paths are relative
 * to `corpus/`). A malformed manifest in `dir` is an error; one in a parent folder that lacks our
 * columns belongs to something else and is passed over. Undefined when there is none.
 */
export async function findLocalManifest(dir: string): Promise<LocalManifest | undefined> {
  const start = resolve(dir);
  let folder = start;
  for (;;) {
    const candidate = join(folder, 'manifest.csv');
    if (existsSync(candidate)) {
      try {
        return readManifestCsv(candidate, await readFile(candidate, 'utf8'));
      } catch (error) {
        if (folder === start) throw error;
      }
    }
    const parent = dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
}

/** The credit of a local file nobody described. */
export function unknownLocalCredit(path: string, sha1: string): SourceCredit {
  return {
    title: basename(path),
    author: 'unknown',
    sourceUrl: 'unknown: local file',
    license: 'unknown: local file',
    licenseUrl: null,
    sha1,
    path,
  };
}

/**
 * Credits for local files used with `--source DIR`: each file is matched in the folder's
 * manifest.csv (see `findLocalManifest`) by its path relative to the manifest, else by sha1
 * (computed when not given); files it does not list get "unknown: local file". Results are in
 * the order of `files`.
 */
export async function readLocalManifestCredits(
  dir: string,
  files: ReadonlyArray<{ path: string; sha1?: string }>,
): Promise<SourceCredit[]> {
  const manifest = await findLocalManifest(dir);
  const byPath = new Map<string, LocalManifestRow>();
  const bySha1 = new Map<string, LocalManifestRow>();
  for (const row of manifest?.rows ?? []) {
    byPath.set(row.file.replace(/\\/g, '/').replace(/^\.\//, ''), row);
    if (row.sha1) bySha1.set(row.sha1.toLowerCase(), row);
  }
  const base = manifest ? dirname(manifest.path) : resolve(dir);
  const credits: SourceCredit[] = [];
  for (const file of files) {
    const absolute = resolve(dir, file.path);
    const key = relative(base, absolute).split(sep).join('/');
    let row = byPath.get(key);
    let sha1 = file.sha1?.toLowerCase();
    if (!row && manifest) {
      sha1 ??= await sha1OfFile(absolute);
      row = bySha1.get(sha1);
    }
    sha1 ??= row?.sha1 || (await sha1OfFile(absolute));
    credits.push(
      row
        ? {
            title: row.title,
            author: row.author,
            sourceUrl: row.source_url,
            license: row.license,
            licenseUrl: row.license_url || null,
            sha1,
            path: file.path,
          }
        : unknownLocalCredit(file.path, sha1),
    );
  }
  return credits;
}
