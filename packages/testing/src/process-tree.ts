import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** One process of the table: its id, its parent's id, and whether it already exited (a zombie). */
interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly zombie: boolean;
}

/**
 * Returns the ids of every live descendant of `pid` (children, grandchildren,
 * ...), from `/proc` on Linux and `ps` elsewhere. The list is a snapshot: freeze
 * `pid` first (SIGSTOP) if it must not fork meanwhile.
 */
export async function listDescendants(pid: number): Promise<number[]> {
  const table = await processTable();
  const childrenOf = new Map<number, number[]>();
  for (const entry of table) {
    if (entry.zombie) continue;
    const siblings = childrenOf.get(entry.ppid) ?? [];
    siblings.push(entry.pid);
    childrenOf.set(entry.ppid, siblings);
  }
  const result: number[] = [];
  const pending = [pid];
  for (let parent = pending.pop(); parent !== undefined; parent = pending.pop()) {
    for (const child of childrenOf.get(parent) ?? []) {
      result.push(child);
      pending.push(child);
    }
  }
  return result;
}

/**
 * True while `pid` runs. A zombie (exited, not yet reaped by its parent) does
 * not count: it holds no memory, sockets or shared-memory attachments.
 */
export async function isAlive(pid: number): Promise<boolean> {
  if (existsSync('/proc/self/stat')) {
    const entry = await readProcStat(String(pid));
    return entry !== undefined && !entry.zombie;
  }
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const table = await processTable();
  return table.some((entry) => entry.pid === pid && !entry.zombie);
}

/**
 * Waits until none of `pids` is alive.
 *
 * @throws {Error} listing the survivors after `timeoutMs`.
 */
export async function waitUntilGone(pids: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let alive = [...pids];
  for (;;) {
    const states = await Promise.all(alive.map((pid) => isAlive(pid)));
    alive = alive.filter((_, index) => states[index]);
    if (alive.length === 0) return;
    if (Date.now() > deadline) throw new Error(`processes still running after ${timeoutMs} ms: ${alive.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Sends `signal` to `pid`, ignoring a process that is already gone. */
export function signalIfAlive(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function processTable(): Promise<ProcessEntry[]> {
  if (existsSync('/proc/self/stat')) {
    const names = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
    const entries = await Promise.all(names.map((name) => readProcStat(name)));
    return entries.filter((entry): entry is ProcessEntry => entry !== undefined);
  }
  const { stdout } = await execFileAsync('ps', ['-A', '-o', 'pid=,ppid=,stat=']);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 3)
    .map(([pid, ppid, state]) => ({ pid: Number(pid), ppid: Number(ppid), zombie: state!.startsWith('Z') }));
}

/** Parses `/proc/<pid>/stat`: `pid (comm) state ppid ...`; comm may contain spaces and parentheses. */
async function readProcStat(pid: string): Promise<ProcessEntry | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited meanwhile
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid: Number(pid), ppid: Number(fields[1]), zombie: fields[0] === 'Z' || fields[0] === 'X' };
}
