import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findTorchPython,
  pythonCandidates,
  TrainerFailedError,
  TrainerUnavailableError,
  trainerDir,
  trainModel,
} from './trainer.js';

function systemHasTorch(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'commonsynth-trainer-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('finding the Python trainer', () => {
  it('tries $COMMONSYNTH_PYTHON, then /usr/bin/python3, then python3 on PATH', () => {
    const candidates = pythonCandidates({ COMMONSYNTH_PYTHON: '/opt/py/bin/python3', PATH: '' });
    expect(candidates[0]).toBe('/opt/py/bin/python3');
    expect(candidates).toContain('/usr/bin/python3');
  });

  it('explains how to install torch when no candidate has it', async () => {
    // A "python" that runs but has no torch: a script printing the probe's failure answer.
    const fake = join(work, 'python-without-torch');
    await writeFile(
      fake,
      '#!/bin/sh\necho \'{"python": "3.11", "error": "ModuleNotFoundError: No module named torch"}\'\n',
      { mode: 0o755 },
    );
    const error = await findTorchPython([fake, join(work, 'missing-python')]).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TrainerUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain('apt-get install python3-torch');
    expect(message).toContain('pip install torch');
    expect(message).toContain('No module named torch');
    expect(message).toContain('missing-python: cannot run');
  });

  it.skipIf(!systemHasTorch())('finds Debian torch under /usr/bin/python3', async () => {
    const found = await findTorchPython(['/usr/bin/python3']);
    expect(found.python).toBe('/usr/bin/python3');
    expect(found.torchVersion).toMatch(/^\d+\.\d+/);
  });

  it('locates the trainer source inside the package', () => {
    expect(trainerDir()).toMatch(/[/\\]train$/);
  });

  it("reports the trainer's exception in one line and keeps the traceback in `output`", async () => {
    // A stand-in interpreter that fails the way Python does.
    const fake = join(work, 'failing-python');
    await writeFile(
      fake,
      [
        '#!/bin/sh',
        'echo "a warning on stderr" >&2',
        'echo "Traceback (most recent call last):" >&2',
        'echo \'  File "train/data.py", line 61, in read_wav\' >&2',
        'echo "train.data.DataError: x.wav: sample rate 44100 Hz, expected 16000" >&2',
        'exit 1',
      ].join('\n'),
      { mode: 0o755 },
    );
    const logged: string[] = [];
    const error = await trainModel({
      data: [work],
      name: 'never',
      runDir: join(work, 'run'),
      python: { python: fake, pythonVersion: '3.11', torchVersion: 'none' },
      onLog: (line) => logged.push(line),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainerFailedError);
    expect((error as Error).message).toBe(
      'python3 -m train train failed (exit 1): train.data.DataError: x.wav: sample rate 44100 Hz, expected 16000',
    );
    expect(logged).toEqual(['a warning on stderr']);
    expect((error as TrainerFailedError).output).toHaveLength(4);
  });
});
