import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkSettingValue,
  defaultPolicy,
  isSettingKey,
  POLICY_KEYS,
  SETTING_DEFINITIONS,
  SETTING_KEYS,
} from './setting-definitions';

describe('setting definitions', () => {
  it('every switch defaults to its strictest value (docs/architecture.md#settings-and-security-policy)', () => {
    assert.deepEqual(defaultPolicy(), {
      tool_approval_mode: 'require_approval',
      network_access_policy: 'require_approval',
      module_approval_mode: 'require_approval',
      remote_tool_editing: 'disabled',
      redact_secrets_in_output: 'enabled',
      log_retention_days: 30,
      mcp_rate_limit_rpm: 300,
    });
    assert.deepEqual(POLICY_KEYS, SETTING_KEYS);
  });

  it('every default passes its own check', () => {
    for (const key of SETTING_KEYS) assert.equal(checkSettingValue(key, SETTING_DEFINITIONS[key].default), null, key);
  });

  it('knows its own keys only (no inherited names)', () => {
    assert.equal(isSettingKey('network_access_policy'), true);
    for (const key of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'NETWORK_ACCESS_POLICY', ''])
      assert.equal(isSettingKey(key), false, key);
  });

  it('an enum setting takes one of its values, exactly', () => {
    assert.equal(checkSettingValue('network_access_policy', 'allow_all_public'), null);
    for (const v of ['ALLOW_ALL_PUBLIC', 'allow_all', '', null, 1, ['allow_all_public']])
      assert.equal(
        checkSettingValue('network_access_policy', v),
        'network_access_policy must be one of: require_approval, allow_all_public',
        String(v),
      );
  });

  it('an integer setting takes an integer within its range', () => {
    assert.equal(checkSettingValue('log_retention_days', 1), null);
    assert.equal(checkSettingValue('log_retention_days', 3650), null);
    for (const v of [0, 3651, 1.5, '30', NaN, Infinity, null])
      assert.equal(
        checkSettingValue('log_retention_days', v),
        'log_retention_days must be an integer from 1 to 3650',
        String(v),
      );
    assert.equal(checkSettingValue('mcp_rate_limit_rpm', 100_000), null);
    assert.equal(
      checkSettingValue('mcp_rate_limit_rpm', 100_001),
      'mcp_rate_limit_rpm must be an integer from 1 to 100000',
    );
  });
});
