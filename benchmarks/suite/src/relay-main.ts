/**
 * Child-process entry of the delay relay, so its timers never share an event
 * loop with a client being measured. Usage: node relay-main.js <targetPort> <delayMs>.
 * Prints {"port": n} once listening; exits when stdin closes.
 */
import { WireRelay } from './wire-relay.js';

const [targetPort, delayMs] = process.argv.slice(2).map(Number);
const relay = new WireRelay({ targetHost: '127.0.0.1', targetPort: targetPort!, delayMs: delayMs! });
const port = await relay.listen();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void relay.close().then(() => process.exit(0)));
