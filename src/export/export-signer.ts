import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { deriveKey } from '../crypto/key-derivation';
import { canonicalJson } from '../common/canonical-json';

const SIGNATURE = /^[0-9a-f]{64}$/;

/**
 * Signs export documents with HMAC-SHA256 under a key derived from the encryption key,
 * over the canonical JSON of the document without its `signature`. Only an MCPBox with
 * the same encryption key produces or accepts the signature.
 */
@Injectable()
export class ExportSigner {
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    this.key = deriveKey(config.encryptionKey, 'mcpbox:export-signing');
  }

  /** Lower-case hex HMAC of everything but `signature`. */
  sign(document: Record<string, unknown>): string {
    const { signature: _ignored, ...body } = document;
    return createHmac('sha256', this.key).update(canonicalJson(body), 'utf8').digest('hex');
  }

  /** Constant-time check; false for a missing, malformed, foreign or tampered signature. */
  verify(document: Record<string, unknown>): boolean {
    const given = document.signature;
    if (typeof given !== 'string' || !SIGNATURE.test(given)) return false;
    return timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(this.sign(document), 'hex'));
  }
}
