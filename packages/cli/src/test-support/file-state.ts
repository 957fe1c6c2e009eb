import { lstat, readFile, readlink } from 'node:fs/promises';

/** What a test compares to prove a file was left alone: kind, owner, mode and content (or a symlink's target). */
export async function fileState(path: string): Promise<{ kind: string; uid: number; mode: number; content: string }> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) return { kind: 'symlink', uid: info.uid, mode: info.mode, content: await readlink(path) };
  return { kind: info.isFile() ? 'file' : 'other', uid: info.uid, mode: info.mode, content: await readFile(path, 'utf8') };
}

/** The uid and gid of the `nobody` user (from /etc/passwd), to give a file to another user. */
export async function nobody(): Promise<{ uid: number; gid: number }> {
  const entry = (await readFile('/etc/passwd', 'utf8')).split('\n').find((line) => line.startsWith('nobody:'));
  if (entry === undefined) throw new Error('no "nobody" user in /etc/passwd');
  const [, , uid, gid] = entry.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
