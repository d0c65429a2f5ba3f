import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { anyJsonValue } from '../../common/openapi/json-value';
import { AtLeastOneOf, defineInputRule, OptionalNotNull } from '../../common/contract/input-rules';
import { checkSettingValue, POLICY_KEYS, SETTING_DEFINITIONS, type SettingKey } from '../setting-definitions';

/** The one rule of each setting (setting-definitions.ts), as a DTO rule with its JSON Schema. */
const isSettingValue = defineInputRule<[SettingKey]>({
  name: 'isSettingValue',
  validate: (value, [key]) => checkSettingValue(key, value) === null,
  message: (_p, [key], args) => checkSettingValue(key, args.value) ?? `${key} is invalid`,
  schema: ([key]) => {
    const def = SETTING_DEFINITIONS[key];
    return def.kind === 'enum'
      ? { type: 'string', enum: [...def.values] }
      : { type: 'integer' as const, minimum: def.min, maximum: def.max };
  },
});
const IsSettingValue = (key: SettingKey) => isSettingValue([key]);

const d = SETTING_DEFINITIONS;
const enumDoc = (k: keyof typeof d) => {
  const def = d[k];
  return def.kind === 'enum'
    ? { enum: [...def.values], default: def.default, description: def.description }
    : {
        type: 'integer' as const,
        minimum: def.min,
        maximum: def.max,
        default: def.default,
        description: def.description,
      };
};

export class SecurityPolicyDto {
  @ApiProperty(enumDoc('tool_approval_mode')) tool_approval_mode: string;
  @ApiProperty(enumDoc('network_access_policy')) network_access_policy: string;
  @ApiProperty(enumDoc('module_approval_mode')) module_approval_mode: string;
  @ApiProperty(enumDoc('remote_tool_editing')) remote_tool_editing: string;
  @ApiProperty(enumDoc('redact_secrets_in_output')) redact_secrets_in_output: string;
  @ApiProperty(enumDoc('log_retention_days')) log_retention_days: number;
  @ApiProperty(enumDoc('mcp_rate_limit_rpm')) mcp_rate_limit_rpm: number;
}

/** `settings.updatePolicy`: `PATCH /api/settings/security-policy` (admins only). Any subset, at least one key. */
@AtLeastOneOf(POLICY_KEYS, 'at least one policy key is required')
export class UpdateSecurityPolicyDto {
  @ApiPropertyOptional(enumDoc('tool_approval_mode'))
  @OptionalNotNull()
  @IsSettingValue('tool_approval_mode')
  tool_approval_mode?: string;
  @ApiPropertyOptional(enumDoc('network_access_policy'))
  @OptionalNotNull()
  @IsSettingValue('network_access_policy')
  network_access_policy?: string;
  @ApiPropertyOptional(enumDoc('module_approval_mode'))
  @OptionalNotNull()
  @IsSettingValue('module_approval_mode')
  module_approval_mode?: string;
  @ApiPropertyOptional(enumDoc('remote_tool_editing'))
  @OptionalNotNull()
  @IsSettingValue('remote_tool_editing')
  remote_tool_editing?: string;
  @ApiPropertyOptional(enumDoc('redact_secrets_in_output'))
  @OptionalNotNull()
  @IsSettingValue('redact_secrets_in_output')
  redact_secrets_in_output?: string;
  @ApiPropertyOptional(enumDoc('log_retention_days'))
  @OptionalNotNull()
  @IsSettingValue('log_retention_days')
  log_retention_days?: number;
  @ApiPropertyOptional(enumDoc('mcp_rate_limit_rpm'))
  @OptionalNotNull()
  @IsSettingValue('mcp_rate_limit_rpm')
  mcp_rate_limit_rpm?: number;
}

export class SettingDto {
  @ApiProperty() key: string;
  @ApiProperty(
    anyJsonValue(
      'The value: a string (enum settings) or an integer for a policy key; any JSON value for another setting; "********" for an encrypted one',
    ),
  )
  value: unknown;
  @ApiProperty() encrypted: boolean;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'integer' }],
    nullable: true,
    description: 'The default of a policy key (its strictest value); null for another setting',
  })
  default: string | number | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'null while the default is in force' })
  updated_at: string | null;
}
