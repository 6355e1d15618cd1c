#!/usr/bin/env node
import { main } from './program.js';

/**
 * `commonsynth … | head -1`: once the reader has gone, the next write fails with EPIPE, emitted
 * as an 'error' event that would otherwise crash the process with a stack trace. Nobody is left
 * to read what the command says, so it stops quietly, like a command killed by SIGPIPE but
 * without a failure status: the output that was wanted has been read.
 */
function exitQuietlyOnEpipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}
exitQuietlyOnEpipe(process.stdout);
exitQuietlyOnEpipe(process.stderr);

main(process.argv).then((code) => {
  process.exitCode = code;
});
