#!/usr/bin/env node
/*
 * Runs the admin suite's lanes (superuser, least-privilege) side by side, one
 * vitest process each. Each process starts its own server per major, so the
 * lanes share no state: roles are cluster-wide, which is why the files of one
 * lane run one after the other. With TEST_DATABASE_URL every lane would use
 * that one server, so the lanes run one after the other instead.
 *
 * Arguments are passed to `vitest run` (e.g. a file name). Exit code: the
 * first lane's that failed, else 0. Each output line starts with its lane.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

const vitest = createRequire(import.meta.url).resolve('vitest/vitest.mjs');
const lanes = (process.env.TENANTRY_ADMIN_LANES ?? 'superuser,least-privilege')
  .split(',')
  .map((lane) => lane.trim())
  .filter((lane) => lane !== '');
const oneServer = Boolean(process.env.TEST_DATABASE_URL);

function runLane(lane) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitest, 'run', ...process.argv.slice(2)], {
      env: { ...process.env, TENANTRY_ADMIN_LANES: lane },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const [stream, out] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ]) {
      createInterface({ input: stream }).on('line', (line) => out.write(`[${lane}] ${line}\n`));
    }
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

let codes;
if (oneServer) {
  codes = [];
  for (const lane of lanes) codes.push(await runLane(lane));
} else {
  codes = await Promise.all(lanes.map(runLane));
}
for (const [index, code] of codes.entries()) {
  process.stdout.write(`[${lanes[index]}] lane ${code === 0 ? 'passed' : `FAILED (exit ${code})`}\n`);
}
process.exitCode = codes.find((code) => code !== 0) ?? 0;
