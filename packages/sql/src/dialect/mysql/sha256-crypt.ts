import { createHash } from 'node:crypto';

const B64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function sha256(...parts: Buffer[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function repeatTo(source: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += 32) source.copy(out, i, 0, Math.min(32, length - i));
  return out;
}

/**
 * The hash part (43 characters of `./0-9A-Za-z`) of Ulrich Drepper's
 * SHA-256-crypt (`$5$`), as MySQL's `my_crypt_genhash`
 * (mysys/crypt_genhash_impl.cc) computes it for caching_sha2_password:
 * the salt is taken whole up to 20 bytes (MySQL's CRYPT_SALT_LENGTH; glibc
 * stops at 16), the round count as given.
 */
export function sha256CryptHash(password: Buffer, salt: Buffer, rounds: number): string {
  const s = salt.subarray(0, 20);
  const p = password;
  const b = sha256(p, s, p);
  const a = createHash('sha256').update(p).update(s);
  let i: number;
  for (i = p.length; i > 32; i -= 32) a.update(b);
  a.update(b.subarray(0, i));
  for (i = p.length; i > 0; i >>= 1) a.update(i & 1 ? b : p);
  const aDigest = a.digest();
  const dpHash = createHash('sha256');
  for (i = 0; i < p.length; i++) dpHash.update(p);
  const pBytes = repeatTo(dpHash.digest(), p.length);
  const dsHash = createHash('sha256');
  for (i = 0; i < 16 + (aDigest[0] ?? 0); i++) dsHash.update(s);
  const sBytes = repeatTo(dsHash.digest(), s.length);
  let c = aDigest;
  for (i = 0; i < rounds; i++) {
    const h = createHash('sha256');
    h.update(i & 1 ? pBytes : c);
    if (i % 3 !== 0) h.update(sBytes);
    if (i % 7 !== 0) h.update(pBytes);
    h.update(i & 1 ? c : pBytes);
    c = h.digest();
  }
  const order: Array<[number, number, number, number]> = [
    [0, 10, 20, 4], [21, 1, 11, 4], [12, 22, 2, 4], [3, 13, 23, 4], [24, 4, 14, 4],
    [15, 25, 5, 4], [6, 16, 26, 4], [27, 7, 17, 4], [18, 28, 8, 4], [9, 19, 29, 4],
  ];
  let out = '';
  const emit = (b2: number, b1: number, b0: number, n: number) => {
    let w = (b2 << 16) | (b1 << 8) | b0;
    for (let k = 0; k < n; k++) {
      out += B64[w & 0x3f];
      w >>= 6;
    }
  };
  for (const [x, y, z, n] of order) emit(c[x] ?? 0, c[y] ?? 0, c[z] ?? 0, n);
  emit(0, c[31] ?? 0, c[30] ?? 0, 3);
  return out;
}
