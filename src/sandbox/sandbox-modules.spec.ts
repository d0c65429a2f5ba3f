import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { saveModule } from '../../test/support/module-records';
import { wrapFactory } from '../modules/packages/bundle-contract';
import { ModuleStore } from '../modules/packages/module-store';
import { SandboxModules } from './sandbox-modules';

const root = mkdtempSync(join(tmpdir(), 'mcpbox-sandbox-modules-'));
after(() => rmSync(root, { recursive: true, force: true }));
let stores = 0;

const install = saveModule;

function world() {
  const store = new ModuleStore(join(root, `store-${++stores}`));
  const state = { allowed: [] as string[], reads: 0, fail: null as Error | null };
  const modules = new SandboxModules(async () => {
    state.reads++;
    if (state.fail) throw state.fail;
    return [...state.allowed];
  }, store);
  return { store, state, modules };
}

describe('SandboxModules: what a call may import', () => {
  it('answers each name: the installed bundle of an allowed module, else why not', async () => {
    const { store, state, modules } = world();
    const yaml = await install(store, 'yaml', 'exports.parse = () => 1;');
    await install(store, 'tiny-greet', 'exports.greet = () => "hi";');
    state.allowed = ['yaml', 'left-pad'];
    const [a, b, c] = await modules.resolve(['yaml', 'tiny-greet', 'left-pad']);
    assert.deepEqual(a, {
      name: 'yaml',
      sha256: yaml.bundleSha256,
      source: wrapFactory('exports.parse = () => 1;', 'yaml@1.0.0'),
    });
    assert.match(
      (b as { error: string }).error,
      /^module "tiny-greet" is not approved: ask for it with mcpbox_request_module/,
    );
    assert.match((c as { error: string }).error, /^module "left-pad" is approved but not installed on this MCPBox/);
    assert.match((c as { error: string }).error, /POST \/api\/settings\/modules\/left-pad\/install/);
  });

  it('reads the allowed list once, and again on each reload; a reload counts for the next resolve', async () => {
    const { store, state, modules } = world();
    await install(store, 'tiny-greet', 'exports.greet = () => "hi";');
    state.allowed = ['tiny-greet'];
    for (let i = 0; i < 5; i++) assert.ok('sha256' in (await modules.resolve(['tiny-greet']))[0]);
    assert.equal(state.reads, 1, 'not read per call');
    state.allowed = [];
    await modules.reloadAllowedModules();
    assert.ok('error' in (await modules.resolve(['tiny-greet']))[0], 'revoked from the next call on');
    state.allowed = ['tiny-greet'];
    await modules.reloadAllowedModules();
    assert.ok('sha256' in (await modules.resolve(['tiny-greet']))[0], 'approved from the next call on');
  });

  it('finds a module installed after the last reload at the call', async () => {
    const { store, state, modules } = world();
    state.allowed = ['late'];
    assert.ok('error' in (await modules.resolve(['late']))[0]);
    const late = await install(store, 'late', 'exports.x = 1;');
    assert.deepEqual((await modules.resolve(['late']))[0], {
      name: 'late',
      sha256: late.bundleSha256,
      source: wrapFactory('exports.x = 1;', 'late@1.0.0'),
    });
  });

  it('never serves a damaged bundle (its sha256 no longer matches)', async () => {
    const { store, state, modules } = world();
    const mod = await install(store, 'damaged', 'exports.x = 1;');
    writeFileSync(mod.path, wrapFactory('exports.x = "changed on disk";', 'damaged@1.0.0'));
    state.allowed = ['damaged'];
    const [answer] = await modules.resolve(['damaged']);
    assert.ok('error' in answer, 'a bundle that is not the installed one is not served');
    assert.match(answer.error, /module "damaged" is approved but not installed/);
  });

  it('a failed read of the allowed list fails the call and is tried again at the next one', async () => {
    const { store, state, modules } = world();
    await install(store, 'tiny-greet', 'exports.greet = () => "hi";');
    state.allowed = ['tiny-greet'];
    state.fail = new Error('database unavailable');
    await assert.rejects(modules.resolve(['tiny-greet']), /database unavailable/);
    state.fail = null;
    assert.ok('sha256' in (await modules.resolve(['tiny-greet']))[0]);
  });
});
