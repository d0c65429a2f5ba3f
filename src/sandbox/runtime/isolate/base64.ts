import { fromCharCode } from './builtins';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 of a Latin-1 string (the web's btoa). */
export function btoa(input: unknown): string {
  const s = String(input);
  let r = '';
  for (let i = 0; i < s.length; i += 3) {
    const a = s.charCodeAt(i),
      b = s.charCodeAt(i + 1),
      c = s.charCodeAt(i + 2);
    if (a > 255 || b > 255 || c > 255) throw new Error('InvalidCharacterError: btoa accepts only Latin-1 characters');
    const n = (a << 16) | ((b || 0) << 8) | (c || 0);
    r +=
      B64[n >> 18] +
      B64[(n >> 12) & 63] +
      (i + 1 < s.length ? B64[(n >> 6) & 63] : '=') +
      (i + 2 < s.length ? B64[n & 63] : '=');
  }
  return r;
}

/** The Latin-1 string of a base64 text (the web's atob). */
export function atob(input: unknown): string {
  let s = String(input).replace(/[\t\n\f\r ]/g, '');
  if (s.length % 4 === 0) s = s.replace(/==?$/, '');
  if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s))
    throw new Error('InvalidCharacterError: the string to be decoded is not correctly encoded');
  let r = '';
  let bits = 0,
    acc = 0;
  for (let i = 0; i < s.length; i++) {
    acc = (acc << 6) | B64.indexOf(s[i]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      r += fromCharCode((acc >> bits) & 255);
    }
  }
  return r;
}
