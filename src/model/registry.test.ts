import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/helpers/shared.js';
import { ModelPackageError } from './package/index.js';
import {
  commonsynthHome,
  listModels,
  ModelNotFoundError,
  packageRoot,
  registerModel,
  resolveModel,
  shippedDefaultModelDir,
  userModelsDir,
} from './registry.js';

/** A minimal valid parallel-ae config.json (the ONNX files are not read by the registry). */
async function writePackage(dir: string, name: string, extraBytes = 0): Promise<void> {
  await mkdir(dir, { recursive: true });
  const config = {
    format: 'commonsynth-model',
    formatVersion: 1,
    name,
    version: '0.0.1',
    family: 'parallel-ae',
    sampleRate: 16000,
    hop: 512,
    embeddingDims: 16,
    hyperparameters: {},
    credits: { trainingData: [{ title: 'test tones' }], model: 'test', license: 'CC0-1.0' },
    files: { encoder: 'encoder.onnx', decoder: 'decoder.onnx' },
  };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  await writeFile(join(dir, 'encoder.onnx'), Buffer.alloc(extraBytes));
}

let work: string;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'commonsynth-registry-'));
  env = { COMMONSYNTH_HOME: join(work, 'home') };
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('model registry', () => {
  it('finds the package root and the shipped default model folder from the source tree', () => {
    expect(packageRoot()).toBe(repoRoot);
    expect(shippedDefaultModelDir()).toBe(join(repoRoot, 'models', 'default'));
  });

  it('puts the user models folder under $COMMONSYNTH_HOME, else ~/.commonsynth', () => {
    expect(userModelsDir(env)).toBe(join(work, 'home', 'models'));
    expect(commonsynthHome({})).toMatch(/\.commonsynth$/);
  });

  it('resolves nothing / "default" to the shipped model when it is installed', async () => {
    if (existsSync(join(shippedDefaultModelDir(), 'config.json'))) {
      for (const request of [undefined, 'default']) {
        const model = await resolveModel(request, env);
        expect(model.dir).toBe(shippedDefaultModelDir());
        expect(model.isDefault).toBe(true);
        expect(model.source).toBe('shipped');
      }
    } else {
      await expect(resolveModel(undefined, env)).rejects.toThrow(ModelNotFoundError);
    }
  });

  it('resolves a package folder by path, relative or absolute', async () => {
    const dir = join(work, 'pkgs', 'tiny');
    await writePackage(dir, 'tiny-model');
    const model = await resolveModel(dir, env);
    expect(model).toMatchObject({ dir, name: 'tiny', source: 'path', isDefault: false });
    expect(model.config.family).toBe('parallel-ae');
    expect(model.config.name).toBe('tiny-model');
  });

  it('registers a package by name and resolves that name', async () => {
    const dir = join(work, 'out', 'run1');
    await writePackage(dir, 'my-sounds', 100);
    const registered = await registerModel(dir, { env });
    expect(registered.dir).toBe(join(userModelsDir(env), 'my-sounds'));
    expect(existsSync(dir)).toBe(true); // copied, not moved
    const resolved = await resolveModel('my-sounds', env);
    expect(resolved.dir).toBe(registered.dir);
    expect(resolved.source).toBe('user');

    await expect(registerModel(dir, { env })).rejects.toThrow(/already installed/);
    await registerModel(dir, { env, name: 'renamed', move: true });
    expect(existsSync(dir)).toBe(false);
    // No staging leftovers in the models folder.
    expect((await readdir(userModelsDir(env))).sort()).toEqual(['my-sounds', 'renamed']);
    await expect(registerModel(join(work, 'x'), { env, name: 'default' })).rejects.toThrow(
      ModelPackageError,
    );
  });

  it('refuses to register under the reserved name "default" or a bad name', async () => {
    const dir = join(work, 'p');
    await writePackage(dir, 'p');
    await expect(registerModel(dir, { env, name: 'default' })).rejects.toThrow(
      /reserved|not "default"/,
    );
    await expect(registerModel(dir, { env, name: '../evil' })).rejects.toThrow(/cannot register/);
  });

  it('prefers a registered name to a same-named folder in the working directory', async () => {
    await writePackage(join(userModelsDir(env), 'shadow'), 'registered-one');
    await writePackage(join(work, 'cwd', 'shadow'), 'local-one');
    await writePackage(join(work, 'cwd', 'only-here'), 'local-only');
    const previous = process.cwd();
    process.chdir(join(work, 'cwd'));
    try {
      expect((await resolveModel('shadow', env)).config.name).toBe('registered-one');
      expect((await resolveModel('./shadow', env)).config.name).toBe('local-one');
      const local = await resolveModel('only-here', env);
      expect(local).toMatchObject({ source: 'path', name: 'only-here' });
    } finally {
      process.chdir(previous);
    }
  });

  it('names what exists when a model is not found', async () => {
    await writePackage(join(userModelsDir(env), 'alpha'), 'alpha');
    await writePackage(join(userModelsDir(env), 'beta'), 'beta');
    const error = await resolveModel('gamma', env).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotFoundError);
    const notFound = error as ModelNotFoundError;
    expect(notFound.message).toContain('"gamma"');
    expect(notFound.message).toContain('alpha, beta');
    expect(notFound.available).toEqual(expect.arrayContaining(['alpha', 'beta']));
    await expect(resolveModel(join(work, 'nowhere'), env)).rejects.toThrow(/does not exist/);
  });

  it('reports a folder without config.json as not a model package', async () => {
    await mkdir(join(work, 'empty'));
    await expect(resolveModel(join(work, 'empty'), env)).rejects.toThrow(/not a model package/);
  });

  it('lists installed packages with size, family and a broken one with its error', async () => {
    await writePackage(join(userModelsDir(env), 'one'), 'one', 1000);
    await mkdir(join(userModelsDir(env), 'broken'), { recursive: true });
    await writeFile(join(userModelsDir(env), 'broken', 'config.json'), '{"format": 1}');
    const models = await listModels(env);
    const user = models.filter((m) => m.source === 'user');
    expect(user.map((m) => m.name)).toEqual(['broken', 'one']);
    const one = user.find((m) => m.name === 'one')!;
    expect(one.config?.family).toBe('parallel-ae');
    expect(one.sizeBytes).toBeGreaterThan(1000);
    expect(one.isDefault).toBe(false);
    const broken = user.find((m) => m.name === 'broken')!;
    expect(broken.config).toBeUndefined();
    expect(broken.error).toMatch(/format/);
    const shipped = models.filter((m) => m.source === 'shipped');
    expect(shipped.length).toBe(existsSync(join(shippedDefaultModelDir(), 'config.json')) ? 1 : 0);
  });
});
