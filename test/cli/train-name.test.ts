import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { trainModel } from '../../src/model/trainer.js';
import { cli } from '../helpers/cli.js';

/**
 * `train --name ../../x` used to train for the whole budget with its run folder at
 * $COMMONSYNTH_HOME/runs/../../x, outside the home, and only then fail to register. The name is
 * now checked before anything runs: no Python is started, no folder made.
 */
let work: string;
let home: string;
let marker: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'commonsynth-train-name-'));
  home = join(work, 'a', 'home');
  await mkdir(join(work, 'data'), { recursive: true });
  marker = join(work, 'python-was-run');
  // A "python" that notes it was started (and has no torch): any call to it is a failure here.
  const fake = join(work, 'python');
  await writeFile(
    fake,
    `#!/bin/sh\ntouch '${marker}'\necho '{"python": "3.11", "error": "no torch"}'\n`,
    { mode: 0o755 },
  );
  // This file runs in its own process (Vitest forks), so the variables are ours alone.
  process.env.COMMONSYNTH_HOME = home;
  process.env.COMMONSYNTH_PYTHON = fake;
});
afterAll(async () => {
  delete process.env.COMMONSYNTH_HOME;
  delete process.env.COMMONSYNTH_PYTHON;
  await rm(work, { recursive: true, force: true });
});

describe('train --name is validated before training', () => {
  for (const name of ['../../x', 'a/b', '.hidden', 'default', '']) {
    it(`refuses --name ${JSON.stringify(name)} as a usage error, running nothing`, async () => {
      const result = await cli('train', '--name', name, '--data', join(work, 'data'));
      expect(result.code).toBe(2);
      expect(result.err).toContain(`cannot train a model named ${JSON.stringify(name)}`);
      expect(existsSync(marker)).toBe(false);
      expect(existsSync(home)).toBe(false);
      expect(readdirSync(work).sort()).toEqual(['data', 'python']);
    });
  }

  it('trainModel refuses it too, with a UsageError', async () => {
    await expect(trainModel({ name: '../x', data: [join(work, 'data')] })).rejects.toBeInstanceOf(
      UsageError,
    );
    expect(existsSync(marker)).toBe(false);
  });
});
