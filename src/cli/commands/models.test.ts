import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, runBuiltCli } from '../../../test/helpers/cli.js';
import { writeTinyParallelPackage } from '../../../test/helpers/parallel-ae.js';
import { repoRoot } from '../../../test/helpers/shared.js';
import { shippedDefaultModelDir } from '../../model/registry.js';
import type { ModelListing } from './models.js';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'commonsynth-models-cli-'));
  process.env.COMMONSYNTH_HOME = home;
  await writeTinyParallelPackage(join(home, 'models', 'tiny'), { name: 'tiny-model' });
});
afterAll(async () => {
  delete process.env.COMMONSYNTH_HOME;
  await rm(home, { recursive: true, force: true });
});

const hasDefault = existsSync(join(shippedDefaultModelDir(), 'config.json'));

describe('commonsynth models', () => {
  it('lists registered packages as JSON with family, version, size and path', async () => {
    const { code, out } = await cli('models', '--json');
    expect(code).toBe(0);
    const rows = JSON.parse(out) as ModelListing[];
    const tiny = rows.find((r) => r.name === 'tiny');
    expect(tiny).toMatchObject({
      family: 'parallel-ae',
      modelName: 'tiny-model',
      version: '0.0.0',
      source: 'user',
      default: false,
      path: join(home, 'models', 'tiny'),
    });
    expect(tiny!.sizeBytes).toBeGreaterThan(1000);
    expect(rows.filter((r) => r.default).length).toBe(hasDefault ? 1 : 0);
  });

  it('prints a table with the default marker', async () => {
    const { code, out } = await cli('models');
    expect(code).toBe(0);
    expect(out).toMatch(/NAME\s+FAMILY\s+VERSION\s+SIZE\s+PATH/);
    expect(out).toMatch(/tiny\s+parallel-ae\s+0\.0\.0\s+\d/);
    if (hasDefault) expect(out).toMatch(/^\*\s+default\s/m);
  });

  // dist/ is built by `npm test` (pretest); skipped in a tree that has not been built since.
  it.skipIf(!existsSync(join(repoRoot, 'dist', 'cli', 'commands', 'models.js')))(
    'finds the shipped model from the built package (dist/) too',
    async () => {
      const { code, stdout, stderr } = await runBuiltCli(['models', '--json'], {
        env: { COMMONSYNTH_HOME: home },
      });
      expect(code, stderr).toBe(0);
      const rows = JSON.parse(stdout) as ModelListing[];
      expect(rows.some((r) => r.name === 'tiny')).toBe(true);
      const shipped = rows.find((r) => r.default);
      if (hasDefault) expect(shipped?.path).toBe(join(repoRoot, 'models', 'default'));
    },
  );
});
