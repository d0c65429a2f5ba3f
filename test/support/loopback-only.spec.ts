import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type net from 'node:net';
import { execFileSync } from 'node:child_process';
import { isLoopbackAddress, LOOPBACK_NODE_OPTIONS, loopbackOnlyConnect, withLoopbackOnly } from './loopback-only';

describe('the loopback-only safety net of the test processes', () => {
  it('reaches the processes a test starts: with the inherited environment, and with LOOPBACK_NODE_OPTIONS', () => {
    const probe = ['-e', 'process.stdout.write(String(globalThis.__mcpboxLoopbackOnly === true))'];
    assert.equal(
      execFileSync(process.execPath, probe, { encoding: 'utf8' }),
      'true',
      'inherited (the runner sets NODE_OPTIONS)',
    );
    const own = { PATH: process.env.PATH ?? '', NODE_OPTIONS: LOOPBACK_NODE_OPTIONS };
    assert.equal(
      execFileSync(process.execPath, probe, { encoding: 'utf8', env: own }),
      'true',
      'an environment of its own',
    );
    assert.equal(
      execFileSync(process.execPath, probe, { encoding: 'utf8', env: { PATH: own.PATH } }),
      'false',
      'the probe can fail',
    );
  });

  it("withLoopbackOnly puts the preload into a child's environment once, keeping its other options", () => {
    const probe = ['-e', 'process.stdout.write(String(globalThis.__mcpboxLoopbackOnly === true))'];
    const bare = withLoopbackOnly({ PATH: process.env.PATH ?? '' });
    assert.equal(execFileSync(process.execPath, probe, { encoding: 'utf8', env: bare }), 'true');
    const other = withLoopbackOnly({ PATH: process.env.PATH ?? '', NODE_OPTIONS: '--max-old-space-size=256' });
    assert.equal(other.NODE_OPTIONS, `--max-old-space-size=256 ${LOOPBACK_NODE_OPTIONS}`);
    assert.equal(execFileSync(process.execPath, probe, { encoding: 'utf8', env: other }), 'true');
    assert.equal(withLoopbackOnly(other).NODE_OPTIONS, other.NODE_OPTIONS, 'not twice');
  });

  it('is preloaded in every test process', () => {
    assert.equal((globalThis as { __mcpboxLoopbackOnly?: boolean }).__mcpboxLoopbackOnly, true);
  });

  it('classifies loopback addresses (a decision only: nothing is connected)', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1'])
      assert.equal(isLoopbackAddress(a), true, a);
    for (const a of ['0.0.0.0', '::', '93.184.215.14', '::ffff:93.184.215.14', '2606:2800:220:1::'])
      assert.equal(isLoopbackAddress(a), false, a);
  });

  it('never hands a non-loopback destination to the real connect (checked with a recording stand-in)', async () => {
    const reached: unknown[] = [];
    const connect = loopbackOnlyConnect(function (this: net.Socket, ...args: unknown[]) {
      reached.push(args[0]);
      return this;
    });
    const destroyed: Error[] = [];
    const socket = { destroy: (e: Error) => destroyed.push(e) } as unknown as net.Socket;

    connect.call(socket, { host: '192.0.2.1', port: 80 });
    await new Promise((r) => process.nextTick(r));
    assert.equal(reached.length, 0);
    assert.match(destroyed[0]?.message ?? '', /refused a connection to 192\.0\.2\.1/);

    // A name goes through a lookup that must answer loopback addresses only.
    const fakeLookup = (_h: string, _o: unknown, cb: (e: Error | null, a: string, f: number) => void) =>
      cb(null, '192.0.2.1', 4);
    connect.call(socket, { host: 'api.example.test', port: 80, lookup: fakeLookup });
    const options = reached[0] as { lookup: (h: string, o: object, cb: (e: Error | null) => void) => void };
    const error = await new Promise<Error | null>((resolve) => options.lookup('api.example.test', {}, resolve));
    assert.match(error?.message ?? '', /refused a connection to 192\.0\.2\.1/);

    connect.call(socket, { host: '127.0.0.1', port: 5432 });
    assert.equal(reached.length, 2, 'loopback passes through');
  });
});
