import type { Command } from 'commander';
import { register as registerCurate } from './curate.js';
import { register as registerDataset } from './dataset.js';
import { register as registerDev } from './dev.js';
import { register as registerEncode } from './encode.js';
import { register as registerEval } from './eval.js';
import { register as registerMashup } from './mashup.js';
import { register as registerModel } from './model.js';
import { register as registerModels } from './models.js';
import { register as registerPrep } from './prep.js';
import { register as registerRun } from './run.js';
import { register as registerSequence } from './sequence.js';
import { register as registerSynth } from './synth.js';
import { register as registerTrain } from './train.js';
import { register as registerWorker } from './worker.js';

/**
 * Each command lives in its own file and exports `register(program)`.
 * Add new commands to this list.
 */
export const commandRegistrars: Array<(program: Command) => void> = [
  registerRun,
  registerPrep,
  registerModels,
  registerModel,
  registerTrain,
  registerEval,
  registerCurate,
  registerDataset,
  registerDev,
  registerEncode,
  registerSynth,
  registerMashup,
  registerSequence,
  registerWorker,
];
