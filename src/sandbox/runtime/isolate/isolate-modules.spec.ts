import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ISOLATE_BUNDLE_FILE } from '../isolate-script';
import { atob, btoa } from './base64';
import { createStdout, inspect } from './console';
import { envelope, errorMessage } from './result';
import { toBytes, utf8Decode, utf8Encode } from './text';
import { formDecode, formEncode } from './url';

// The modules of the isolate bootstrap are plain ECMAScript: their pure parts are checked
// here in Node, against Node's own implementations of the same web APIs.
const SAMPLES = [
  '',
  'hello',
  'héllo wörld',
  '€uro ✓',
  '😀 and 𝄞',
  'lone \ud800 high',
  'lone \udc00 low',
  '\u0000\u007f\u0080\u07ff\u0800\uffff',
  'x'.repeat(20_000) + '😀',
];

describe('isolate text encoding', () => {
  it('encodes UTF-8 as TextEncoder does, lone surrogates as U+FFFD', () => {
    for (const s of SAMPLES)
      assert.deepEqual(utf8Encode(s), new TextEncoder().encode(s), JSON.stringify(s.slice(0, 40)));
  });

  it('decodes UTF-8 as TextDecoder does, invalid bytes as U+FFFD or an error when fatal', () => {
    const byteSamples = [
      ...SAMPLES.map((s) => new TextEncoder().encode(s)),
      Uint8Array.of(0xc3),
      Uint8Array.of(0xe2, 0x82),
      Uint8Array.of(0xed, 0xa0, 0x80),
      Uint8Array.of(0xf4, 0x90, 0x80, 0x80),
      Uint8Array.of(0xe0, 0x80, 0x80),
      Uint8Array.of(0xf0, 0x80, 0x80, 0x80),
      Uint8Array.of(0xf0, 0x9f, 0x98, 0x41),
      Uint8Array.of(0xe2, 0x82, 0xe2, 0x82, 0xac),
      Uint8Array.of(0xc0, 0xaf),
      Uint8Array.of(0xff, 0x41, 0xfe),
    ];
    for (const b of byteSamples) {
      assert.equal(utf8Decode(b, false), new TextDecoder().decode(b), String(Array.from(b.slice(0, 8))));
      let nodeFatal: string | Error;
      try {
        nodeFatal = new TextDecoder('utf-8', { fatal: true }).decode(b);
      } catch (e) {
        nodeFatal = e as Error;
      }
      if (typeof nodeFatal === 'string') assert.equal(utf8Decode(b, true), nodeFatal);
      else assert.throws(() => utf8Decode(b, true), /not valid utf-8/);
    }
  });

  it('decodes any bytes as TextDecoder does (random samples)', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    for (let n = 0; n < 3000; n++) {
      // Mostly bytes around the multi-byte ranges, where decoders disagree when they are wrong.
      const b = Uint8Array.from({ length: 1 + (n % 9) }, () => {
        const r = next();
        return r < 64 ? r : 0x80 + (r % 0x78);
      });
      assert.equal(utf8Decode(b, false), new TextDecoder().decode(b), String(Array.from(b)));
    }
  });

  it('views the bytes of an ArrayBuffer or a typed array without copying, and refuses anything else', () => {
    const buf = new Uint8Array([1, 2, 3, 4]).buffer;
    const view = toBytes(new Uint16Array(buf, 2, 1));
    assert.deepEqual([view.byteOffset, view.byteLength, view.buffer === buf], [2, 2, true]);
    assert.throws(() => toBytes('text'), TypeError);
  });
});

describe('isolate base64', () => {
  it('answers as the web atob and btoa do', () => {
    for (const s of ['', 'a', 'ab', 'abc', 'hello world', '\u00ff\u0000\u0080', 'x'.repeat(1000)]) {
      assert.equal(btoa(s), globalThis.btoa(s));
      assert.equal(atob(btoa(s)), s);
    }
    assert.equal(atob(' aGVs\nbG8= '), 'hello');
    assert.throws(() => btoa('€'), /InvalidCharacterError/);
    assert.throws(() => atob('a'), /InvalidCharacterError/);
    assert.throws(() => atob('ab!c'), /InvalidCharacterError/);
  });
});

describe('isolate form encoding', () => {
  it('writes form data as URLSearchParams does, and reads it back', () => {
    for (const s of ["a b+c&d=e/é~!'()*", '😀', '%41', '']) {
      assert.equal(formEncode(s), new URLSearchParams({ k: s }).toString().slice(2));
      assert.equal(formDecode(formEncode(s)), s);
    }
    assert.equal(formDecode('bad%zz+x'), 'bad%zz x');
  });
});

describe('isolate console', () => {
  it('shows values as Node would, roughly: nested strings quoted, depth and length capped, cycles named', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    assert.equal(inspect('top', 0, []), 'top');
    assert.equal(
      inspect({ s: 'in', n: [1, 2n], 'k-y': null, u: undefined }, 0, []),
      '{ s: "in", n: [ 1, 2n ], "k-y": null, u: undefined }',
    );
    assert.equal(inspect(cyclic, 0, []), '{ a: 1, self: [Circular] }');
    assert.equal(
      inspect({ a: { b: { c: { d: { e: { f: 1 } } } } } }, 0, []),
      '{ a: { b: { c: { d: { e: [Object] } } } } }',
    );
    assert.equal(inspect(new Map([[1, 'x']]), 0, []), 'Map(1) { 1 => "x" }');
    assert.match(
      inspect(
        Array.from({ length: 150 }, () => 0),
        0,
        [],
      ),
      /\.\.\. 50 more items \]$/,
    );
  });

  it('writes each level with its prefix and stops at the limit with one notice', () => {
    const out = createStdout(40);
    out.console.log('a', 1);
    out.console.warn('w');
    out.console.error('e'.repeat(100));
    out.console.log('dropped');
    assert.equal(
      out.text(),
      `a 1\n[warn] w\n[error] ${'e'.repeat(19)}\n[stdout truncated: the output exceeded 40 bytes]\n`,
    );
    assert.ok(Object.isFrozen(out.console));
  });
});

describe('isolate result envelope', () => {
  it('maps what main returned to strings and flags, cut to the limit', () => {
    assert.deepEqual(envelope(undefined, 'o', 10), { ok: true, kind: 'none', stdout: 'o' });
    assert.deepEqual(envelope('x'.repeat(12), '', 10), {
      ok: true,
      kind: 'text',
      size: 12,
      truncated: true,
      data: 'x'.repeat(10),
      stdout: '',
    });
    assert.deepEqual(envelope({ a: [1] }, '', 100), {
      ok: true,
      kind: 'json',
      size: 9,
      truncated: false,
      data: '{"a":[1]}',
      stdout: '',
    });
    const content = envelope(
      { content: [{ type: 'text', text: 'hi' }], structuredContent: { a: 1 }, isError: true },
      '',
      100,
    );
    assert.deepEqual(content, {
      ok: true,
      kind: 'content',
      stdout: '',
      truncated: false,
      data: '[{"type":"text","text":"hi"}]',
      isError: true,
      structured: '{"a":1}',
    });
    assert.throws(() => envelope(() => 1, '', 10), /main returned a function, which is not a JSON value/);
  });

  it('shows a thrown value by its message only, never its stack', () => {
    assert.equal(errorMessage(new TypeError('bad')), 'TypeError: bad');
    assert.equal(errorMessage(new Error('plain')), 'plain');
    assert.equal(errorMessage({ code: 1 }), '{"code":1}');
    assert.equal(errorMessage(undefined), 'undefined');
    assert.equal(
      errorMessage({
        toJSON: () => {
          throw new Error('no');
        },
      }),
      'the tool threw a value that cannot be shown',
    );
  });
});

describe('the isolate bundle', () => {
  const source = readFileSync(ISOLATE_BUNDLE_FILE, 'utf8');
  it('is produced by the build as one function expression with nothing of Node in it', () => {
    assert.match(source, /^\(function \(\) \{\n"use strict";\n/);
    assert.match(source.trim(), /\nreturn bootstrap;\n\}\)\(\)$/);
    assert.doesNotMatch(source, /\brequire\(|^\s*(import|export)\s|\bprocess\.|\bBuffer\b/m);
  });

  it('evaluates to the bootstrap function and nothing else (no global is written on evaluation)', () => {
    const before = Object.getOwnPropertyNames(globalThis).length;
    const bootstrap = (0, eval)(source) as unknown;
    assert.equal(typeof bootstrap, 'function');
    assert.equal(Object.getOwnPropertyNames(globalThis).length, before);
  });
});
