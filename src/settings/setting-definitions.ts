/**
 * Every setting MCPBox knows: its type, allowed values or range, and default. Defaults
 * are the strictest value (docs/architecture.md#settings-and-security-policy). The security policy is the subset marked `policy`.
 */
interface EnumSetting<V extends string> {
  kind: 'enum';
  values: readonly V[];
  default: V;
  description: string;
  policy: boolean;
  encrypted?: false;
}

interface IntSetting {
  kind: 'int';
  min: number;
  max: number;
  default: number;
  description: string;
  policy: boolean;
  encrypted?: false;
}

export const SETTING_DEFINITIONS = {
  tool_approval_mode: {
    kind: 'enum',
    values: ['require_approval', 'auto_approve'],
    default: 'require_approval',
    description:
      'require_approval: a tool is usable only after an admin approves it. auto_approve: publish requests (and new tools) are approved at once.',
    policy: true,
  } as EnumSetting<'require_approval' | 'auto_approve'>,
  network_access_policy: {
    kind: 'enum',
    values: ['require_approval', 'allow_all_public'],
    default: 'require_approval',
    description:
      'require_approval: tool code reaches only hosts approved for its server. allow_all_public: any public host; private, loopback and metadata addresses stay blocked.',
    policy: true,
  } as EnumSetting<'require_approval' | 'allow_all_public'>,
  module_approval_mode: {
    kind: 'enum',
    values: ['require_approval', 'auto_approve'],
    default: 'require_approval',
    description:
      'require_approval: an npm module may be imported only after an admin allows it. auto_approve: module requests are allowed at once.',
    policy: true,
  } as EnumSetting<'require_approval' | 'auto_approve'>,
  remote_tool_editing: {
    kind: 'enum',
    values: ['disabled', 'enabled'],
    default: 'disabled',
    description: 'In remote mode, whether MCP management tools that change anything are allowed.',
    policy: true,
  } as EnumSetting<'disabled' | 'enabled'>,
  redact_secrets_in_output: {
    kind: 'enum',
    values: ['enabled', 'disabled'],
    default: 'enabled',
    description: "enabled: a server secret's value appearing in a tool's result or stdout is replaced by [REDACTED].",
    policy: true,
  } as EnumSetting<'enabled' | 'disabled'>,
  log_retention_days: {
    kind: 'int',
    min: 1,
    max: 3650,
    default: 30,
    description: 'Activity and execution logs older than this many days are purged.',
    policy: true,
  } as IntSetting,
  mcp_rate_limit_rpm: {
    kind: 'int',
    min: 1,
    max: 100_000,
    default: 300,
    description: 'Requests per minute one MCP client may send to /mcp.',
    policy: true,
  } as IntSetting,
} as const;

export type SettingKey = keyof typeof SETTING_DEFINITIONS;
type Def<K extends SettingKey> = (typeof SETTING_DEFINITIONS)[K];
export type SettingValue<K extends SettingKey> = Def<K> extends EnumSetting<infer V> ? V : number;
export type SecurityPolicy = { [K in SettingKey]: SettingValue<K> };

export const SETTING_KEYS = Object.keys(SETTING_DEFINITIONS) as SettingKey[];
export const POLICY_KEYS = SETTING_KEYS.filter((k) => SETTING_DEFINITIONS[k].policy);

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(SETTING_DEFINITIONS, key);
}

/** Null when the value fits the key's type and set or range, else the reason. */
export function checkSettingValue(key: SettingKey, value: unknown): string | null {
  const def = SETTING_DEFINITIONS[key] as EnumSetting<string> | IntSetting;
  if (def.kind === 'enum')
    return typeof value === 'string' && def.values.includes(value)
      ? null
      : `${key} must be one of: ${def.values.join(', ')}`;
  return typeof value === 'number' && Number.isInteger(value) && value >= def.min && value <= def.max
    ? null
    : `${key} must be an integer from ${def.min} to ${def.max}`;
}

export function defaultPolicy(): SecurityPolicy {
  return Object.fromEntries(SETTING_KEYS.map((k) => [k, SETTING_DEFINITIONS[k].default])) as SecurityPolicy;
}
