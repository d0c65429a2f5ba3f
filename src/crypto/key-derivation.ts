import { hkdfSync } from 'node:crypto';

/** Derives a purpose-bound 32-byte key from the master encryption key (HKDF-SHA256). */
export function deriveKey(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), purpose, 32));
}
