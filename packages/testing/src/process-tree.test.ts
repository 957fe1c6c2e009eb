import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isAlive, listDescendants, signalIfAlive, waitUntilGone } from './process-tree.js';

describe('process tree helpers', () => {
  it('list children and grandchildren, and see them go', async () => {
    // sh -> (sh -> sleep), sleep: two levels below the spawned shell.
    const root = spawn('sh', ['-c', 'sh -c "sleep 30; true" & sleep 30 & wait'], { stdio: 'ignore' });
    try {
      let descendants: number[] = [];
      for (let i = 0; i < 100 && descendants.length < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        descendants = await listDescendants(root.pid!);
      }
      expect(descendants).toHaveLength(3);
      expect(await isAlive(root.pid!)).toBe(true);
      for (const pid of [root.pid!, ...descendants]) signalIfAlive(pid, 'SIGKILL');
      await waitUntilGone([root.pid!, ...descendants], 5_000);
      expect(await isAlive(descendants[0]!)).toBe(false);
      signalIfAlive(descendants[0]!, 'SIGKILL'); // already gone: no error
    } finally {
      root.kill('SIGKILL');
    }
  });

  it('waitUntilGone names the survivors', async () => {
    await expect(waitUntilGone([process.pid], 50)).rejects.toThrow(new RegExp(`still running after 50 ms: ${process.pid}$`));
  });
});
