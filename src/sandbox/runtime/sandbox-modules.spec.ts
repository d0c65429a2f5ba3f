/**
 * Approved npm modules in the sandbox: tool code's `import` served by installed bundles
 * (installed by the real PackageInstaller from a loopback registry: real `npm pack`
 * tarballs, the real `yaml`), through the real runtime (worker process, server isolate,
 * fresh context per call), with the allowed list read through SandboxModules.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { executionRequest } from '../../../test/support/execution-request';
import { npmPack, startFixtureWorld, type FixtureWorld } from '../../../test/support/npm-fixtures';
import { saveModule } from '../../../test/support/module-records';
import { ModuleStore } from '../../modules/packages/module-store';
import type { PackageInstaller } from '../../modules/packages/package-installer';
import { SandboxModules } from '../sandbox-modules';
import type { ExecutionRequest } from './contract';
import { SandboxRuntime } from './sandbox-runtime';
import { MAX_MODULE_SCRIPTS_PER_ISOLATE } from './server-isolates';

/** Small packages of this file, published on the fixture registry next to the installer's. */
const PACKAGES: Record<string, string> = {
  // Module state lives in the call's context: a second call starts from zero.
  'per-call-state': 'let n = 0;\nexports.next = () => ++n;\n',
  // What a package's top-level code can find of the host: nothing.
  snoop: `
    const seen = {};
    seen.process = typeof process;
    seen.require = typeof require;
    try { require('fs'); seen.fs = 'loaded'; } catch (e) { seen.fs = 'refused'; }
    seen.hostGlobals = ['__mcpbox_host', '__mcpbox_cfg', '__mcpbox_modules'].filter((k) => k in globalThis);
    seen.viaFunction = Function('return typeof process')();
    try { seen.viaConstructor = typeof ({}).constructor.constructor('return process')(); } catch (e) { seen.viaConstructor = 'threw'; }
    seen.globalProcess = typeof globalThis.process;
    seen.isolatedVm = typeof globalThis.ivm;
    exports.seen = () => seen;
  `,
  // Outbound requests of a module go through the call's bridge and its network rules.
  fetcher: 'exports.get = (url) => fetch(url).then((r) => r.text());\n',
  // Module code runs under the call's limits.
  'spin-forever': 'while (true) {}\n',
  'eat-memory': "const keep = [];\nwhile (true) keep.push('x'.repeat(1024 * 1024) + Math.random());\n",
  'throws-on-load': "throw new Error('broken package top level');\n",
};

let world: FixtureWorld;
let installer: PackageInstaller;
let allowed: string[] = [];
let modules: SandboxModules;
let rt: SandboxRuntime;
let peer: Server;
let peerUrl: string;

before(async () => {
  world = await startFixtureWorld();
  const dirs = Object.entries(PACKAGES).map(([name, code]) => {
    const dir = join(world.root, 'sandbox-fixtures', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name, version: '1.0.0', main: 'index.js', license: 'MIT' }),
    );
    writeFileSync(join(dir, 'index.js'), code);
    return dir;
  });
  mkdirSync(join(world.root, 'sandbox-packed'));
  for (const p of npmPack(dirs, join(world.root, 'sandbox-packed'))) world.registry.publish(p.manifest, p.tarball);
  installer = world.installer();
  for (const name of ['yaml', 'tiny-greet', '@mcpbox-test/scoped', ...Object.keys(PACKAGES)])
    await installer.install(name);
  modules = new SandboxModules(() => Promise.resolve([...allowed]), new ModuleStore(installer.storeDir));
  rt = new SandboxRuntime({
    workers: 1,
    memoryMb: 64,
    maxResultSize: 1024 * 1024,
    maxConcurrency: 4,
    queueSize: 20,
    modules,
  });
  await rt.start();
  peer = createServer((_req, res) => res.end('peer answered'));
  await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
  peerUrl = `http://127.0.0.1:${(peer.address() as AddressInfo).port}/`;
});
after(async () => {
  await rt?.close();
  await new Promise((r) => peer?.close(r));
  await world?.cleanup();
});

async function allow(...names: string[]): Promise<void> {
  allowed = names;
  await modules.reloadAllowedModules();
}

const run = (serverId: string, code: string, over: Partial<ExecutionRequest> = {}) =>
  rt.execute(executionRequest(serverId, code, over));

const YAML_TOOL = `import { parse, stringify } from "yaml";
import YAML from "yaml";
export async function main({ text }) {
  return { parsed: parse(text), again: YAML.parse(stringify({ list: [1, "two"] })) };
}`;

describe('SandboxRuntime: tool code imports approved, installed modules', () => {
  it('serves `import { parse } from "yaml"` (named and default imports) from the installed bundle', async () => {
    await allow('yaml');
    const o = await run('s-yaml', YAML_TOOL, { args: { text: 'a: 1\nb: [x, y]\n' } });
    assert.equal(o.success, true, o.error);
    assert.deepEqual(o.value, { parsed: { a: 1, b: ['x', 'y'] }, again: { list: [1, 'two'] } });
  });

  it('compiles a bundle once per isolate and shares it between calls and tools; module state stays in its call', async () => {
    await allow('yaml', 'per-call-state');
    const before = (await rt.workerInfo())[0].moduleScripts;
    const counter = 'import { next } from "per-call-state"; export async function main() { return [next(), next()]; }';
    for (let i = 0; i < 5; i++) {
      const o = await run('s-cache', counter);
      assert.deepEqual(o.value, [1, 2], 'a fresh module instance in every call');
    }
    for (let i = 0; i < 3; i++)
      assert.equal((await run('s-cache', YAML_TOOL, { args: { text: 'k: v' } })).success, true);
    // Another tool of the same server importing yaml reuses the compiled bundle.
    const other = 'import { parse } from "yaml"; export async function main() { return parse("z: 1"); }';
    assert.deepEqual((await run('s-cache', other)).value, { z: 1 });
    assert.equal((await rt.workerInfo())[0].moduleScripts - before, 2, 'per-call-state and yaml, each compiled once');
  });

  it('refuses an import that is not approved, with the message that says how to ask', async () => {
    await allow('yaml');
    const o = await run(
      's-refuse',
      'import { greet } from "tiny-greet"; export async function main() { return greet("x"); }',
    );
    assert.equal(o.success, false);
    assert.match(o.error ?? '', /module "tiny-greet" is not approved: ask for it with mcpbox_request_module/);
  });

  it('says so when a module is approved but not installed', async () => {
    await allow('yaml', 'left-pad');
    const o = await run(
      's-refuse',
      'import leftPad from "left-pad"; export async function main() { return leftPad("x", 3); }',
    );
    assert.equal(o.success, false);
    assert.match(o.error ?? '', /module "left-pad" is approved but not installed on this MCPBox: an admin installs it/);
  });

  it('refuses Node built-ins, paths, subpaths and computed imports whatever is allowed', async () => {
    await allow('yaml', 'fs');
    const cases: [string, RegExp][] = [
      ['import fs from "fs";', /module "fs" is a Node built-in module/],
      ['import { readFileSync } from "node:fs";', /module "node:fs" is a Node built-in module/],
      ['import x from "./local.js";', /module "\.\/local\.js" is not an npm package name/],
      ['import x from "yaml/dist/index.js";', /only a package's main entry is installed; import from "yaml"/],
      ['const n = "ya" + "ml"; const x = await import(n);', /import npm modules by name with a static import/],
    ];
    for (const [line, message] of cases) {
      const code = line.includes('await import')
        ? `export async function main() { ${line} return 1; }`
        : `${line}\nexport async function main() { return 1; }`;
      const o = await run('s-refuse', code);
      assert.equal(o.success, false, line);
      assert.match(o.error ?? '', message, line);
    }
  });

  it('an import that fails can be caught by the tool, and a dynamic import("yaml") of an approved module works', async () => {
    await allow('yaml');
    const o = await run(
      's-dyn',
      `export async function main() {
        let refused = null;
        try { await import("tiny-greet"); } catch (e) { refused = e.message; }
        const { parse } = await import("yaml");
        return { refused, parsed: parse("q: 1") };
      }`,
    );
    assert.equal(o.success, true, o.error);
    assert.match(String((o.value as { refused: string }).refused), /not approved/);
    assert.deepEqual((o.value as { parsed: unknown }).parsed, { q: 1 });
  });

  it('approval and revocation count from the next call, on the same isolate', async () => {
    const tool = 'import { greet } from "tiny-greet"; export async function main() { return greet("ada"); }';
    await allow('yaml');
    assert.match((await run('s-live', tool)).error ?? '', /not approved/);
    await allow('yaml', 'tiny-greet');
    assert.equal((await run('s-live', tool)).value, 'hello ada');
    await allow('yaml');
    const revoked = await run('s-live', tool);
    assert.equal(revoked.success, false);
    assert.match(revoked.error ?? '', /module "tiny-greet" is not approved/);
  });

  it('serves TypeScript tools the same way (type-only imports are erased, not resolved)', async () => {
    await allow('yaml');
    const code = `import { parse } from "yaml";
import type { Document } from "yaml";
import type { Nothing } from "not-a-module-at-all";
export async function main({ text }: { text: string }): Promise<unknown> {
  const doc: Document | null = null;
  return { parsed: parse(text), doc };
}`;
    const o = await run('s-ts', code, { language: 'typescript', args: { text: 'x: [1]' } });
    assert.equal(o.success, true, o.error);
    assert.deepEqual(o.value, { parsed: { x: [1] }, doc: null });
  });

  it('serves scoped packages', async () => {
    await allow('@mcpbox-test/scoped');
    const o = await run(
      's-scoped',
      'import scoped, { flavour } from "@mcpbox-test/scoped"; export async function main() { return scoped() + " " + flavour; }',
    );
    assert.equal(o.value, 'scoped default esm');
  });
});

describe('SandboxRuntime: module code has nothing more than tool code', () => {
  it('finds no process, require, file system or host objects from its top-level code', async () => {
    await allow('snoop');
    const o = await run('s-snoop', 'import { seen } from "snoop"; export async function main() { return seen(); }', {
      secrets: { TOKEN: 'not-for-modules' },
    });
    assert.equal(o.success, true, o.error);
    assert.deepEqual(o.value, {
      process: 'undefined',
      require: 'undefined',
      fs: 'refused',
      hostGlobals: [],
      viaFunction: 'undefined',
      viaConstructor: 'threw',
      globalProcess: 'undefined',
      isolatedVm: 'undefined',
    });
  });

  it("reaches the network only through the call's bridge and its rules", async () => {
    await allow('fetcher');
    const tool = 'import { get } from "fetcher"; export async function main({ url }) { return await get(url); }';
    const refused = await run('s-net', tool, { args: { url: peerUrl } });
    assert.equal(refused.success, false);
    assert.match(refused.error ?? '', /host 127\.0\.0\.1 is not in this server's allowed hosts/);
    const allowedCall = await run('s-net', tool, {
      args: { url: peerUrl },
      network: { allowedHosts: [], policy: 'require_approval', allowLoopback: true },
    });
    assert.equal(allowedCall.success, false, 'loopback alone is not an allowance for this server');
    const withHost = await run('s-net', tool, {
      args: { url: peerUrl },
      network: {
        allowedHosts: [{ host: '127.0.0.1', port: Number(new URL(peerUrl).port) }],
        policy: 'require_approval',
        allowLoopback: true,
      },
    });
    assert.equal(withHost.success, true, withHost.error);
    assert.equal(withHost.value, 'peer answered');
  });

  it("runs under the call's time limit: a module whose top level never ends times the call out", async () => {
    await allow('spin-forever', 'yaml');
    const o = await run('s-limits', 'import "spin-forever"; export async function main() { return 1; }', {
      timeoutMs: 300,
    });
    assert.equal(o.success, false);
    assert.match(o.error ?? '', /Timed out after 300 ms/);
    // The server's next call runs normally.
    assert.equal((await run('s-limits', YAML_TOOL, { args: { text: 'ok: true' } })).success, true);
  });

  it("runs under the isolate's memory limit", async () => {
    await allow('eat-memory');
    const o = await run('s-memory', 'import "eat-memory"; export async function main() { return 1; }', {
      timeoutMs: 20_000,
    });
    assert.equal(o.success, false);
    assert.match(o.error ?? '', /Memory limit exceeded|worker running this call stopped/);
  });

  it('a worker that replaces a dead one is sent the bundles again', async () => {
    await allow('yaml');
    assert.equal((await run('s-respawn', YAML_TOOL, { args: { text: 'a: 1' } })).success, true);
    const [info] = await rt.workerInfo();
    const restarts = rt.stats().workerRestarts;
    process.kill(info.pid, 'SIGKILL');
    while (rt.stats().workerRestarts === restarts || rt.stats().workers === 0)
      await new Promise((r) => setTimeout(r, 20));
    const o = await run('s-respawn', YAML_TOOL, { args: { text: 'b: 2' } });
    assert.equal(o.success, true, o.error);
    assert.deepEqual((o.value as { parsed: unknown }).parsed, { b: 2 });
    const [fresh] = await rt.workerInfo();
    assert.notEqual(fresh.pid, info.pid);
    assert.equal(fresh.moduleScripts, 1);
  });

  it("a package whose top level throws fails the import with the package's message", async () => {
    await allow('throws-on-load');
    const o = await run('s-throw', 'import "throws-on-load"; export async function main() { return 1; }');
    assert.equal(o.success, false);
    assert.match(o.error ?? '', /broken package top level/);
  });
});

describe('SandboxRuntime: more modules than a worker keeps', () => {
  const count = MAX_MODULE_SCRIPTS_PER_ISOLATE + 2;
  const names = Array.from({ length: count }, (_, i) => `many-${i}`);
  let many: SandboxRuntime;
  before(async () => {
    const store = new ModuleStore(join(world.root, 'store-many'));
    for (const [i, name] of names.entries()) await saveModule(store, name, `exports.id = ${i};`);
    many = new SandboxRuntime({
      workers: 1,
      memoryMb: 64,
      maxResultSize: 1024 * 1024,
      maxConcurrency: 4,
      queueSize: 20,
      modules: new SandboxModules(() => Promise.resolve(names), store),
    });
    await many.start();
  });
  after(() => many?.close());

  it('drops the least recently used bundles, and a dropped one is sent and compiled again when imported', async () => {
    const tool = (name: string) => `import { id } from "${name}"; export async function main() { return id; }`;
    for (const [i, name] of names.entries())
      assert.equal((await many.execute(executionRequest('s-many', tool(name)))).value, i);
    const [info] = await many.workerInfo();
    assert.equal(info.moduleScripts, MAX_MODULE_SCRIPTS_PER_ISOLATE);
    // many-0 left the worker's bundle sources and its isolate's scripts: the worker asks for it again.
    const again = await many.execute(executionRequest('s-many', tool('many-0')));
    assert.equal(again.success, true, again.error);
    assert.equal(again.value, 0);
    assert.equal((await many.workerInfo())[0].pid, info.pid, 'the same worker');
  });
});
