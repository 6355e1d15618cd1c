/**
 * Generation state on disk, so a killed synth resumes where it stopped and produces the same
 * audio as an uninterrupted run.
 *
 * File layout: the 8 bytes `CSYNST01`, a uint32 (LE) header length, the header as JSON, then the
 * float32 (LE) sections the header lists, in order. Written to a temporary file, fsynced and
 * renamed over the old one, so a kill at any moment leaves either the old or the new state.
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { CommonsynthError } from '../../errors.js';

const MAGIC = 'CSYNST01';

/** A checkpoint file that is unreadable, damaged, or belongs to another job. */
export class SynthCheckpointError extends CommonsynthError {
  constructor(message: string, file: string, cause?: unknown) {
    super('SYNTH_CHECKPOINT', message, { file, cause });
  }
}

export interface CheckpointHeader {
  /** Identifies the job: model, inputs and every option that changes the audio. */
  jobKey: string;
  /** Next step to run (samples already generated per stream, capped at the stream's length). */
  step: number;
  /** Batch size the stored conditioning was computed for. */
  condBatch: number;
  /** Extra fields a caller wants to keep (not interpreted here). */
  meta?: Record<string, string | number | boolean>;
}

interface StoredHeader extends CheckpointHeader {
  sections: Array<{ name: string; length: number }>;
}

export interface CheckpointData {
  header: CheckpointHeader;
  sections: Map<string, Float32Array>;
}

function bytesOf(array: Float32Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** Writes the state atomically (temporary file + fsync + rename). */
export function writeCheckpoint(
  path: string,
  header: CheckpointHeader,
  sections: ReadonlyMap<string, Float32Array>,
): void {
  const stored: StoredHeader = {
    ...header,
    sections: [...sections].map(([name, data]) => ({ name, length: data.length })),
  };
  const json = Buffer.from(JSON.stringify(stored), 'utf8');
  const prefix = Buffer.alloc(12);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(json.length, 8);
  const temporary = `${path}.tmp-${process.pid}`;
  const fd = openSync(temporary, 'w');
  try {
    writeFully(fd, prefix);
    writeFully(fd, json);
    for (const data of sections.values()) writeFully(fd, bytesOf(data));
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temporary, path);
}

function writeFully(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) {
    // Large buffers may be written in parts.
    offset += writeSync(fd, bytes, offset, Math.min(bytes.length - offset, 1 << 30));
  }
}

/** Reads a checkpoint; `null` when there is no file. Damage is a SynthCheckpointError. */
export function readCheckpoint(path: string): CheckpointData | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SynthCheckpointError(`cannot read synth checkpoint ${path}`, path, error);
  }
  if (bytes.length < 12 || bytes.toString('latin1', 0, 8) !== MAGIC) {
    throw new SynthCheckpointError(`${path} is not a synth checkpoint (bad magic)`, path);
  }
  const headerLength = bytes.readUInt32LE(8);
  let stored: StoredHeader;
  try {
    stored = JSON.parse(bytes.toString('utf8', 12, 12 + headerLength)) as StoredHeader;
  } catch (error) {
    throw new SynthCheckpointError(`${path}: damaged checkpoint header`, path, error);
  }
  if (!Array.isArray(stored.sections) || typeof stored.jobKey !== 'string') {
    throw new SynthCheckpointError(`${path}: damaged checkpoint header`, path);
  }
  const sections = new Map<string, Float32Array>();
  let offset = 12 + headerLength;
  for (const { name, length } of stored.sections) {
    const size = length * 4;
    if (offset + size > bytes.length) {
      throw new SynthCheckpointError(`${path}: truncated checkpoint (section ${name})`, path);
    }
    // Copy into aligned memory; the file buffer's offset need not be a multiple of 4.
    const data = new Float32Array(length);
    new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + size));
    sections.set(name, data);
    offset += size;
  }
  if (offset !== bytes.length) {
    throw new SynthCheckpointError(
      `${path}: ${bytes.length - offset} unexpected trailing bytes`,
      path,
    );
  }
  const { sections: _listed, ...header } = stored;
  return { header, sections };
}

export function removeCheckpoint(path: string): void {
  rmSync(path, { force: true });
}
