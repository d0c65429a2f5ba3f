import { fromCharCode, U8 } from './builtins';

/** UTF-8 bytes of a string (lone surrogates become U+FFFD). */
export function utf8Encode(str: string): Uint8Array {
  const s = String(str);
  const bytes = new U8(s.length * 3);
  let p = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) bytes[p++] = c;
    else if (c < 0x800) {
      bytes[p++] = 0xc0 | (c >> 6);
      bytes[p++] = 0x80 | (c & 63);
    } else if (c < 0x10000) {
      bytes[p++] = 0xe0 | (c >> 12);
      bytes[p++] = 0x80 | ((c >> 6) & 63);
      bytes[p++] = 0x80 | (c & 63);
    } else {
      bytes[p++] = 0xf0 | (c >> 18);
      bytes[p++] = 0x80 | ((c >> 12) & 63);
      bytes[p++] = 0x80 | ((c >> 6) & 63);
      bytes[p++] = 0x80 | (c & 63);
    }
  }
  return bytes.slice(0, p);
}

/**
 * The string of UTF-8 bytes, decoded as the Encoding Standard's UTF-8 decoder does: each
 * invalid byte sequence (its maximal valid prefix) becomes one U+FFFD, or throws when `fatal`.
 */
export function utf8Decode(b: Uint8Array, fatal: boolean): string {
  const units: number[] = [];
  let res = '';
  let needed = 0;
  let seen = 0;
  let cp = 0;
  let lower = 0x80;
  let upper = 0xbf;
  const emit = (c: number) => {
    if (c > 0xffff) {
      c -= 0x10000;
      units.push(0xd800 + (c >> 10), 0xdc00 + (c & 1023));
    } else units.push(c);
    if (units.length > 8190) {
      res += fromCharCode(...units);
      units.length = 0;
    }
  };
  const bad = () => {
    if (fatal) throw new TypeError('The encoded data was not valid utf-8');
    emit(0xfffd);
  };
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (needed === 0) {
      if (c <= 0x7f) emit(c);
      else if (c >= 0xc2 && c <= 0xdf) {
        needed = 1;
        cp = c & 0x1f;
      } else if (c >= 0xe0 && c <= 0xef) {
        if (c === 0xe0) lower = 0xa0;
        if (c === 0xed) upper = 0x9f;
        needed = 2;
        cp = c & 0xf;
      } else if (c >= 0xf0 && c <= 0xf4) {
        if (c === 0xf0) lower = 0x90;
        if (c === 0xf4) upper = 0x8f;
        needed = 3;
        cp = c & 0x7;
      } else bad();
      continue;
    }
    if (c < lower || c > upper) {
      // The sequence ends here: one U+FFFD for it, and this byte starts again.
      needed = seen = cp = 0;
      lower = 0x80;
      upper = 0xbf;
      bad();
      i--;
      continue;
    }
    lower = 0x80;
    upper = 0xbf;
    cp = (cp << 6) | (c & 0x3f);
    if (++seen === needed) {
      emit(cp);
      needed = seen = cp = 0;
    }
  }
  if (needed) bad();
  return res + fromCharCode(...units);
}

/** A view of the bytes of an ArrayBuffer or a typed array (no copy). */
export function toBytes(input: unknown): Uint8Array {
  if (input instanceof ArrayBuffer) return new U8(input);
  if (ArrayBuffer.isView(input)) return new U8(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError('expected an ArrayBuffer or a typed array');
}

/** TextEncoder and TextDecoder (UTF-8 only). */
export function makeText() {
  class TextEncoder {
    get encoding() {
      return 'utf-8';
    }
    encode(input: unknown = '') {
      return utf8Encode(String(input));
    }
  }
  class TextDecoder {
    private fatal: boolean;
    private ignoreBOM: boolean;
    constructor(label: unknown = 'utf-8', opts: { fatal?: unknown; ignoreBOM?: unknown } = {}) {
      if (!/^(utf-?8|unicode-1-1-utf-8)$/i.test(String(label).trim()))
        throw new RangeError('TextDecoder supports utf-8 only');
      this.fatal = !!opts.fatal;
      this.ignoreBOM = !!opts.ignoreBOM;
    }
    get encoding() {
      return 'utf-8';
    }
    decode(input?: unknown) {
      if (input === undefined) return '';
      let b = toBytes(input);
      if (!this.ignoreBOM && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
      return utf8Decode(b, this.fatal);
    }
  }
  return { TextEncoder, TextDecoder };
}
