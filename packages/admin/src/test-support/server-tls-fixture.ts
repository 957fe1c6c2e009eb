import { afterAll, beforeAll, inject } from 'vitest';
import { enableServerTls, type ServerTls } from '@tenantry/testing';

/**
 * Gives the lane's server TLS for one test file (a throwaway CA, see
 * `enableServerTls`), and takes it off again after the file.
 */
export function useServerTls(): () => ServerTls {
  let tls: ServerTls | undefined;
  beforeAll(async () => {
    tls = await enableServerTls(inject('tenantryAdminUrl'));
  });
  afterAll(async () => {
    await tls?.restore();
  });
  return () => {
    if (!tls) throw new Error('server TLS used outside a test');
    return tls;
  };
}
