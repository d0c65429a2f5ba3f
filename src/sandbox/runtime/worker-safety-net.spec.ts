import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SAFETY_NET_CODE } from '../../../test/support/loopback-only';
import { executionRequest } from '../../../test/support/execution-request';
import { SandboxRuntime } from './sandbox-runtime';
import { workerExecArgv } from './worker-pool';

// The loopback-only safety net of the test processes must hold in the sandbox worker
// processes too: they are forked with their own flags and environment.
describe('the test safety net in sandbox worker processes', () => {
  const rt = new SandboxRuntime({ workers: 2, memoryMb: 64, maxResultSize: 65536, maxConcurrency: 4, queueSize: 4 });
  before(() => rt.start());
  after(() => rt.close());

  it('is preloaded only when the test runner names it and NODE_ENV is not production', () => {
    const preload = '/x/dist/test/support/loopback-only.js';
    assert.deepEqual(workerExecArgv({ MCPBOX_TEST_PRELOAD: preload }), ['--no-node-snapshot', `--require=${preload}`]);
    assert.deepEqual(workerExecArgv({ MCPBOX_TEST_PRELOAD: preload, NODE_ENV: 'test' }), [
      '--no-node-snapshot',
      `--require=${preload}`,
    ]);
    assert.deepEqual(workerExecArgv({ MCPBOX_TEST_PRELOAD: preload, NODE_ENV: 'production' }), ['--no-node-snapshot']);
    assert.deepEqual(workerExecArgv({}), ['--no-node-snapshot']);
    assert.ok(process.env.MCPBOX_TEST_PRELOAD, 'the test runner sets MCPBOX_TEST_PRELOAD');
  });

  it('is active in every worker, and refuses a non-loopback destination the guard let through', async () => {
    // Checked first: without the net in the workers, the call below is never made.
    const infos = await rt.workerInfo();
    assert.equal(infos.length, 2);
    for (const info of infos) {
      assert.notEqual(info.pid, process.pid);
      assert.equal(info.safetyNet, true, `worker ${info.pid} runs without the safety net`);
    }
    // 192.0.2.1 (TEST-NET-1) is approved for the server, so the guard allows it: only the
    // safety net stands between the tool and a packet, and it refuses before any connect.
    const o = await rt.execute(
      executionRequest(
        'srv-net',
        "export async function main() { return (await fetch('http://192.0.2.1/')).status; }",
        {
          network: {
            allowedHosts: [{ host: '192.0.2.1', port: null }],
            policy: 'require_approval',
            allowLoopback: true,
          },
        },
      ),
    );
    assert.equal(o.isError, true);
    assert.match(o.error ?? '', new RegExp(`fetch failed: request to 192\\.0\\.2\\.1 failed: ${SAFETY_NET_CODE}`));
  });
});
