/**
 * Where model packages are found: the default model shipped inside the installed commonsynth
 * package (models/default), any package folder given by path, and packages registered by name
 * in the user's models folder ($COMMONSYNTH_HOME/models, else ~/.commonsynth/models).
 */
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommonsynthError, describeError } from '../errors.js';
import { type ModelConfig, readModelConfig } from './package/index.js';

/** The name that always means the model shipped with commonsynth. */
export const DEFAULT_MODEL_NAME = 'default';

/** No model package matches a name or path; `available` lists what does exist. */
export class ModelNotFoundError extends CommonsynthError {
  readonly available: string[];
  constructor(message: string, available: string[], file?: string) {
    super('MODEL_NOT_FOUND', message, { file });
    this.available = available;
  }
}

/**
 * The root of the installed commonsynth package (the folder whose package.json is named
 * "commonsynth"), found by walking up from this file, so it works from dist/ and from src/.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if (
          (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'commonsynth'
        ) {
          return dir;
        }
      } catch {
        // An unreadable package.json is not ours; keep walking up.
      }
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new CommonsynthError('INSTALL', 'cannot find the commonsynth package root');
    dir = parent;
  }
}

/** The folder of the model that ships with commonsynth. */
export function shippedDefaultModelDir(): string {
  return join(packageRoot(), 'models', DEFAULT_MODEL_NAME);
}

/** commonsynth's per-user folder: $COMMONSYNTH_HOME, else ~/.commonsynth. */
export function commonsynthHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.COMMONSYNTH_HOME;
  return fromEnv && fromEnv.trim() !== '' ? resolve(fromEnv) : join(homedir(), '.commonsynth');
}

/** Where `train`, `model import-tf` and `model fetch` register packages by name. */
export function userModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(commonsynthHome(env), 'models');
}

export type ModelSource = 'shipped' | 'user' | 'path';

export interface ResolvedModel {
  /** The package folder (absolute). */
  dir: string;
  /** The registered name ("default" for the shipped model), or the folder name for a path. */
  name: string;
  source: ModelSource;
  /** True for the shipped default model. */
  isDefault: boolean;
  config: ModelConfig;
  /** Unknown config.json fields that were ignored. */
  warnings: string[];
}

function looksLikePath(text: string): boolean {
  return isAbsolute(text) || text.startsWith('.') || text.includes('/') || text.includes(sep);
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Names of the packages registered in the user's models folder (sub-folders with a config.json). */
export async function registeredModelNames(
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
  const root = userModelsDir(env);
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const entry of entries.sort()) {
    if (entry.startsWith('.')) continue;
    if (existsSync(join(root, entry, 'config.json'))) names.push(entry);
  }
  return names;
}

async function availableNames(env: NodeJS.ProcessEnv): Promise<string[]> {
  const names = await registeredModelNames(env);
  return existsSync(join(shippedDefaultModelDir(), 'config.json'))
    ? [DEFAULT_MODEL_NAME, ...names.filter((n) => n !== DEFAULT_MODEL_NAME)]
    : names;
}

async function load(dir: string, name: string, source: ModelSource): Promise<ResolvedModel> {
  const { config, warnings } = await readModelConfig(dir);
  return {
    dir,
    name,
    source,
    isDefault: source === 'shipped',
    config,
    warnings,
  };
}

/**
 * Finds a model package: nothing or "default" → the shipped default model; a path (absolute,
 * starting with ".", or containing a separator) → that package folder; a bare name → the package
 * registered under it in the user's models folder, else a folder of that name in the working
 * directory. The package's config.json is read and validated.
 * Throws ModelNotFoundError listing the models that do exist.
 */
export async function resolveModel(
  nameOrPath?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedModel> {
  if (nameOrPath === undefined || nameOrPath === '' || nameOrPath === DEFAULT_MODEL_NAME) {
    const dir = shippedDefaultModelDir();
    if (!existsSync(join(dir, 'config.json'))) {
      const available = await registeredModelNames(env);
      throw new ModelNotFoundError(
        `the default model is missing from this installation (${dir}); ` +
          (available.length > 0
            ? `pass --model with one of: ${available.join(', ')}`
            : 'reinstall commonsynth or pass --model with a package folder'),
        available,
        dir,
      );
    }
    return load(dir, DEFAULT_MODEL_NAME, 'shipped');
  }
  if (looksLikePath(nameOrPath)) {
    const dir = resolve(nameOrPath);
    if (!(await isDirectory(dir))) {
      // A file there is not "missing": say what it is, and what a package is.
      const isFile = await stat(dir).then(
        () => true,
        () => false,
      );
      throw new ModelNotFoundError(
        isFile
          ? `model ${dir} is a file, not a model package folder (a folder with config.json and its weights)`
          : `model package folder ${dir} does not exist`,
        await availableNames(env),
        dir,
      );
    }
    return load(dir, basename(dir), 'path');
  }
  // A bare name: a registered model first, then a folder of that name in the working directory.
  const dir = join(userModelsDir(env), nameOrPath);
  if (existsSync(join(dir, 'config.json'))) return load(dir, nameOrPath, 'user');
  if (await isDirectory(nameOrPath)) return load(resolve(nameOrPath), nameOrPath, 'path');
  const available = await availableNames(env);
  throw new ModelNotFoundError(
    `no model named "${nameOrPath}" in ${userModelsDir(env)}; ` +
      (available.length > 0 ? `installed: ${available.join(', ')}` : 'no models are installed') +
      ' (or pass a package folder path)',
    available,
  );
}

export interface InstalledModel {
  name: string;
  source: Exclude<ModelSource, 'path'>;
  isDefault: boolean;
  dir: string;
  /** Bytes of all files in the package folder. */
  sizeBytes: number;
  /** Undefined when config.json could not be read; `error` says why. */
  config?: ModelConfig;
  error?: string;
}

async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await folderSize(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

/** Every installed package: the shipped default first, then the user's, by name. A broken one is listed with its error. */
export async function listModels(env: NodeJS.ProcessEnv = process.env): Promise<InstalledModel[]> {
  const found: Array<{ name: string; dir: string; source: 'shipped' | 'user' }> = [];
  const shipped = shippedDefaultModelDir();
  if (existsSync(join(shipped, 'config.json'))) {
    found.push({ name: DEFAULT_MODEL_NAME, dir: shipped, source: 'shipped' });
  }
  for (const name of await registeredModelNames(env)) {
    found.push({ name, dir: join(userModelsDir(env), name), source: 'user' });
  }
  const out: InstalledModel[] = [];
  for (const { name, dir, source } of found) {
    const entry: InstalledModel = {
      name,
      source,
      isDefault: source === 'shipped',
      dir,
      sizeBytes: await folderSize(dir),
    };
    try {
      entry.config = (await readModelConfig(dir)).config;
    } catch (error) {
      entry.error = describeError(error);
    }
    out.push(entry);
  }
  return out;
}

export interface RegisterOptions {
  /** Name to register under; by default the package's config.json name. */
  name?: string;
  /** Replace a package already registered under that name. */
  overwrite?: boolean;
  /** Move the folder instead of copying it (for freshly trained packages). */
  move?: boolean;
  env?: NodeJS.ProcessEnv;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Whether `name` can name a registered model: it becomes a folder name under the models folder
 * (and a trainer's run folder), so no separators, no leading dot, and not the shipped default's.
 */
export function isValidModelName(name: string): boolean {
  return NAME_PATTERN.test(name) && name !== DEFAULT_MODEL_NAME;
}

/**
 * Installs a package folder into the user's models folder under a name, after validating its
 * config.json, so that `--model NAME` finds it. Returns the registered package.
 */
export async function registerModel(
  packageDir: string,
  options: RegisterOptions = {},
): Promise<ResolvedModel> {
  const env = options.env ?? process.env;
  const source = resolve(packageDir);
  const { config } = await readModelConfig(source);
  const name = options.name ?? config.name;
  if (!isValidModelName(name)) {
    throw new CommonsynthError(
      'MODEL_NAME',
      `cannot register a model as "${name}": use letters, digits, ".", "_" or "-", and not "${DEFAULT_MODEL_NAME}"`,
      { file: source },
    );
  }
  const root = userModelsDir(env);
  const target = join(root, name);
  if (target === source) return load(target, name, 'user');
  if (existsSync(target)) {
    if (!options.overwrite) {
      throw new CommonsynthError(
        'MODEL_EXISTS',
        `a model named "${name}" is already installed at ${target}; choose another name or overwrite it`,
        { file: target },
      );
    }
  }
  await mkdir(root, { recursive: true });
  // Copy beside the target and swap in, so a failed copy never leaves a half package registered.
  const staging = join(root, `.${name}.partial-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  if (options.move) {
    try {
      await rename(source, staging);
    } catch {
      await cp(source, staging, { recursive: true });
      await rm(source, { recursive: true, force: true });
    }
  } else {
    await cp(source, staging, { recursive: true });
  }
  await rm(target, { recursive: true, force: true });
  await rename(staging, target);
  return load(target, name, 'user');
}
