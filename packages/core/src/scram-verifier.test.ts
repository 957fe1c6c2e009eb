import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isScramSha256Verifier, scramSha256Verifier, scramSha256VerifierFromSaltedPassword } from './scram-verifier.js';

function parseVerifier(verifier: string) {
  const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (!match) throw new Error('not a verifier');
  return {
    iterations: Number(match[1]),
    salt: match[2]!,
    storedKey: Buffer.from(match[3]!, 'base64'),
    serverKey: Buffer.from(match[4]!, 'base64'),
  };
}

describe('scramSha256Verifier', () => {
  // RFC 7677 section 3: the exchange for password "pencil". A verifier is right
  // when it accepts the RFC's client proof and yields the RFC's server signature.
  it('matches the RFC 7677 test vector', async () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const verifier = parseVerifier(await scramSha256Verifier('pencil', { salt, iterations: 4096 }));
    const serverNonce = 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const authMessage =
      'n=user,r=rOprNGfwEbeRWgbNEkqO,' +
      `r=${serverNonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,` +
      `c=biws,r=${serverNonce}`;
    const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');

    const clientSignature = createHmac('sha256', verifier.storedKey).update(authMessage).digest();
    const clientKey = Buffer.from(proof.map((byte, i) => byte ^ clientSignature[i]!));
    expect(createHash('sha256').update(clientKey).digest().equals(verifier.storedKey)).toBe(true);

    const serverSignature = createHmac('sha256', verifier.serverKey).update(authMessage).digest('base64');
    expect(serverSignature).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });

  it('produces the stored form PostgreSQL expects, with a fresh 16-byte salt each time', async () => {
    const a = await scramSha256Verifier('same password');
    const b = await scramSha256Verifier('same password');
    expect(isScramSha256Verifier(a)).toBe(true);
    expect(a).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(Buffer.from(parseVerifier(a).salt, 'base64')).toHaveLength(16);
    expect(a).not.toBe(b);
    expect(a).not.toContain('same password');
  });

  it('honours the iteration count and rejects nonsense', async () => {
    expect(await scramSha256Verifier('x', { iterations: 10 })).toMatch(/^SCRAM-SHA-256\$10:/);
    await expect(scramSha256Verifier('x', { iterations: 0 })).rejects.toThrow(/iterations/);
  });

  it('recognises verifiers and nothing else', () => {
    expect(isScramSha256Verifier('plain password')).toBe(false);
    expect(isScramSha256Verifier("SCRAM-SHA-256$4096:abc=$def:ghi'; DROP ROLE x")).toBe(false);
  });
});

describe('scramSha256VerifierFromSaltedPassword', () => {
  it('gives the verifier scramSha256Verifier gives for the same password, salt and rounds', async () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const saltedPassword = pbkdf2Sync('pencil', salt, 4096, 32, 'sha256');
    expect(scramSha256VerifierFromSaltedPassword(new Uint8Array(saltedPassword), new Uint8Array(salt), 4096)).toBe(await scramSha256Verifier('pencil', { salt, iterations: 4096 }));
  });
});
