#!/usr/bin/env node
import { processIo } from './io.js';
import { main } from './main.js';

// A reader that went away (`tenantry list | head`) is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
// The first Ctrl-C during a bulk run lets the tenants in flight finish (and their
// credentials be written); a second one, or one at any other time, exits at once.
const interrupt = new AbortController();
let deferring = 0;
process.on('SIGINT', () => {
  if (deferring > 0 && !interrupt.signal.aborted) {
    process.stderr.write('\nInterrupted: finishing the tenants in flight (Ctrl-C again to quit at once)...\n');
    interrupt.abort();
  } else {
    process.exit(130);
  }
});
const io = {
  ...processIo(interrupt.signal),
  deferInterrupts: () => {
    deferring++;
    return () => void deferring--;
  },
};
const code = await main(process.argv.slice(2), io);
// Exit once stdout has drained, so a piped JSON document is never cut short.
process.stdout.write('', () => process.exit(code));
