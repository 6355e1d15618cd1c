#!/usr/bin/env node
// Runs the Python trainer's unit tests (train/tests) with the Python that has PyTorch, found the
// same way `commonsynth train` finds it. Needs `npm run build` first (npm test does that).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTorchPython } from '../dist/model/trainer.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let python;
try {
  ({ python } = await findTorchPython());
} catch (error) {
  // CI installs Debian's python3-torch; elsewhere the trainer tests need it too.
  console.error(`trainer tests cannot run: ${error.message}`);
  process.exit(1);
}
const result = spawnSync(python, ['-m', 'unittest', 'discover', '-s', 'train/tests', '-t', '.'], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
