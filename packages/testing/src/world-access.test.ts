import { chmod, mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertWorldTraversable } from './world-access.js';

describe('assertWorldTraversable', () => {
  const created: string[] = [];
  afterAll(async () => {
    for (const dir of created) await rm(dir, { recursive: true, force: true });
  });

  it('accepts the tmp dir', async () => {
    await expect(assertWorldTraversable(tmpdir(), 'test')).resolves.toBeUndefined();
  });

  it('names the first directory that others cannot search', async () => {
    const outer = await mkdtemp(join(tmpdir(), 'tenantry-access-'));
    created.push(outer);
    const inner = join(outer, 'inner');
    await mkdir(inner);
    await chmod(outer, 0o700);
    await expect(assertWorldTraversable(inner, 'binaries')).rejects.toThrow(
      new RegExp(`^binaries: directory ${outer} is not searchable by other users \\(mode 700\\)`),
    );
  });
});
