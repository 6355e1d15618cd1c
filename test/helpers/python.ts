/**
 * Runs Debian's /usr/bin/python3 (where python3-torch installs) on the trainer's code in train/,
 * for the TypeScript ↔ PyTorch parity tests. CI installs python3-torch; elsewhere the tests skip
 * with a message saying what to install.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { repoRoot } from './shared.js';

export const PYTHON = '/usr/bin/python3';

function canImport(modules: string): boolean {
  try {
    execFileSync(PYTHON, ['-c', `import ${modules}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether /usr/bin/python3 imports the given modules; logs why the parity tests skip when not. */
export function pythonHas(modules: string): boolean {
  const ok = canImport(modules);
  if (!ok) {
    console.warn(
      `skipping parity tests: ${PYTHON} cannot import ${modules} (apt-get install python3-torch python3-numpy)`,
    );
  }
  return ok;
}

/** Runs a Python script with train/ importable (`import train.metrics`) and returns its stdout. */
export function runPython(script: string, args: string[] = [], timeoutMs = 120_000): string {
  const result = spawnSync(PYTHON, ['-c', script, ...args], {
    cwd: repoRoot,
    env: { ...process.env, PYTHONPATH: repoRoot, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(
      `python failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}`,
    );
  }
  return result.stdout;
}
