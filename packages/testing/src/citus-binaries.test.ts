import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCitusBinaries } from './citus-binaries.js';
import { citusLaneRequired } from './citus-global-setup.js';

const found = await findCitusBinaries({});

describe('findCitusBinaries', () => {
  it.runIf('found' in found || citusLaneRequired())('finds an installation whose files are all there, and the same one through TENANTRY_CITUS_PG_BIN', async () => {
    if (!('found' in found)) throw new Error(found.missing);
    const binaries = found.found;
    await access(join(binaries.pkglibdir, 'citus.so'));
    await access(join(binaries.sharedir, 'extension', 'citus.control'));
    for (const binary of [binaries.postgres, binaries.initdb, binaries.pgCtl]) await access(binary);
    expect(binaries.citusVersion).toMatch(/^\d+\.\d+-\d+$/);
    expect(await findCitusBinaries({ TENANTRY_CITUS_PG_BIN: binaries.binDir })).toEqual({ found: binaries });
  });

  it('says what is missing where TENANTRY_CITUS_PG_BIN points to no PostgreSQL', async () => {
    expect(await findCitusBinaries({ TENANTRY_CITUS_PG_BIN: '/nonexistent/bin' })).toEqual({ missing: 'TENANTRY_CITUS_PG_BIN=/nonexistent/bin: no executable pg_config in /nonexistent/bin' });
  });
});
