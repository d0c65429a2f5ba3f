import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { BODY_LIMIT_BYTES, IMPORT_BODY_LIMIT_BYTES } from '../../src/common/limits';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import { BODY_METHODS, operations, responseSchema, type OpenApiDocument, type Operation } from '../support/openapi';

/**
 * The document tells the truth about errors: every route is sent the requests any client
 * can get wrong (no or a bad token, malformed JSON, another content type, a body over the
 * limit, an id that is not a UUID, an unknown query parameter, an unknown id), and each
 * answer's status must be documented for that operation, with a body its schema accepts.
 * Routes added later are probed too.
 */

interface RawAnswer {
  status: number;
  body: unknown;
}

/** A request as any HTTP client can send it (fetch refuses a GET with a body). */
function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Buffer,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const all = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const req = httpRequest(base + path, { method, headers: all }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The path with its parameters filled: a fresh UUID for ids, a valid key, version 1. */
function concrete(path: string, id: string): string {
  return path
    .replace(/\{(id|[a-z_]*_id)\}/g, id)
    .replace('{key}', 'SOME_KEY')
    .replace('{version}', '1')
    .replace('{server}', 'no_such_server');
}

interface Probe {
  name: string;
  applies: (o: Operation) => boolean;
  send: (o: Operation) => Promise<RawAnswer>;
}

describe('every answer to a request gone wrong is documented, with its body', () => {
  let t: TestApp;
  let token: string;
  let doc: OpenApiDocument;

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
    doc = (await t.get('/docs-json')).body as OpenApiDocument;
  });
  after(() => t.close());

  it('probes every operation', async () => {
    const auth = () => ({ authorization: `Bearer ${token}` });
    const to = (
      o: Operation,
      headers: Record<string, string>,
      body?: string | Buffer,
      path = concrete(o.path, randomUUID()),
    ) => send(t.url, o.method.toUpperCase(), path, headers, body);
    const limitOf = (o: Operation) => (o.path === '/api/export/import' ? IMPORT_BODY_LIMIT_BYTES : BODY_LIMIT_BYTES);
    const probes: Probe[] = [
      { name: 'no token', applies: () => true, send: (o) => to(o, {}) },
      {
        name: 'a token with a bad signature',
        applies: () => true,
        send: (o) => to(o, { authorization: `Bearer ${token}x` }),
      },
      {
        name: 'malformed JSON',
        applies: () => true,
        send: (o) => to(o, { ...auth(), 'content-type': 'application/json' }, '{"a":'),
      },
      {
        name: 'a text/plain body',
        applies: () => true,
        send: (o) => to(o, { ...auth(), 'content-type': 'text/plain' }, 'hello'),
      },
      {
        name: 'a form body',
        applies: () => true,
        send: (o) => to(o, { ...auth(), 'content-type': 'application/x-www-form-urlencoded' }, 'a=b'),
      },
      {
        name: 'a body one byte over the limit',
        applies: () => true,
        send: (o) => to(o, { ...auth(), 'content-type': 'application/json' }, Buffer.alloc(limitOf(o) + 1, 0x20)),
      },
      {
        name: 'an id that is not a UUID',
        applies: (o) => /\{(id|[a-z_]*_id)\}/.test(o.path),
        send: (o) => to(o, auth(), undefined, concrete(o.path, 'not-a-uuid')),
      },
      {
        name: 'an unknown query parameter',
        applies: (o) => o.method === 'get',
        send: (o) => to(o, auth(), undefined, `${concrete(o.path, randomUUID())}?no_such_parameter=1`),
      },
      {
        // Safe: no row has this id, so nothing is changed.
        name: 'an id of nothing, with an empty object',
        applies: (o) => /\{(id|[a-z_]*_id)\}/.test(o.path),
        send: (o) =>
          BODY_METHODS.includes(o.method)
            ? to(o, { ...auth(), 'content-type': 'application/json' }, '{}')
            : to(o, auth()),
      },
    ];

    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const validators = new Map<string, ReturnType<typeof ajv.compile>>();
    const wrong: string[] = [];
    let probed = 0;
    for (const o of operations(doc)) {
      for (const probe of probes.filter((p) => p.applies(o))) {
        const answer = await probe.send(o);
        probed++;
        const documented = o.op.responses?.[String(answer.status)];
        if (!documented) {
          wrong.push(
            `${o.route} with ${probe.name} → ${answer.status}, not documented: ${JSON.stringify(answer.body)}`,
          );
          continue;
        }
        if (answer.status < 400) continue;
        const key = `${o.route} ${answer.status}`;
        if (!validators.has(key)) {
          const schema = responseSchema(doc, documented);
          if (schema) validators.set(key, ajv.compile(schema));
        }
        const validate = validators.get(key);
        if (!validate) {
          wrong.push(`${key}: no JSON schema documented`);
          continue;
        }
        if (!validate(answer.body))
          wrong.push(
            `${o.route} with ${probe.name} → ${answer.status}: body ${JSON.stringify(answer.body)} breaks its schema: ${ajv.errorsText(validate.errors)}`,
          );
      }
    }
    assert.ok(probed >= 300, `${probed} probes`);
    assert.deepEqual(wrong, [], `answers the document does not describe:\n  ${wrong.join('\n  ')}`);
  });
});
