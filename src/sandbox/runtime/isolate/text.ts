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

/** The string of UTF-8 bytes; invalid sequences become U+FFFD, or throw when `fatal`. */
export function utf8Decode(b: Uint8Array, fatal: boolean): string {
  const units: number[] = [];
  let res = '';
  let i = 0;
  const bad = () => {
    if (fatal) throw new TypeError('The encoded data was not valid utf-8');
    return 0xfffd;
  };
  while (i < b.length) {
    const c = b[i];
    let cp: number;
    if (c < 0x80) {
      cp = c;
      i++;
    } else {
      const n = c >= 0xf0 && c <= 0xf4 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : -1;
      if (n < 0 || c > 0xf4) {
        cp = bad();
        i++;
      } else {
        cp = c & (0xff >> (n + 2));
        let j = 1;
        for (; j <= n; j++) {
          const d = b[i + j];
          if (d === undefined || (d & 0xc0) !== 0x80) break;
          cp = (cp << 6) | (d & 63);
        }
        if (
          j <= n ||
          (n === 2 && cp < 0x800) ||
          (n === 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
          (cp >= 0xd800 && cp <= 0xdfff)
        ) {
          cp = bad();
          i += Math.max(1, j);
        } else i += n + 1;
      }
    }
    if (cp > 0xffff) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 1023));
    } else units.push(cp);
    if (units.length > 8190) {
      res += fromCharCode(...units);
      units.length = 0;
    }
  }
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
