import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** The SHA-1 of a file on disk (hex), streamed so large files are not read whole. */
export async function sha1OfFile(path: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
