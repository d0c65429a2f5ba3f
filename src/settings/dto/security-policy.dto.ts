import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, registerDecorator, type ValidationArguments } from 'class-validator';
import { checkSettingValue, SETTING_DEFINITIONS, type SettingKey } from '../setting-definitions';

/** class-validator bridge to the one rule of each setting (setting-definitions.ts). */
function IsSettingValue(key: SettingKey): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isSettingValue',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => checkSettingValue(key, value) === null,
        defaultMessage: (args?: ValidationArguments) => checkSettingValue(key, args?.value) ?? `${key} is invalid`,
      },
    });
}

const d = SETTING_DEFINITIONS;
const enumDoc = (k: keyof typeof d) => {
  const def = d[k];
  return def.kind === 'enum'
    ? { enum: [...def.values], default: def.default, description: def.description }
    : { type: Number, minimum: def.min, maximum: def.max, default: def.default, description: def.description };
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

/** Any subset of the policy; unknown keys and bad values are a 400 naming each field. */
export class UpdateSecurityPolicyDto {
  @ApiPropertyOptional(enumDoc('tool_approval_mode'))
  @IsOptional()
  @IsSettingValue('tool_approval_mode')
  tool_approval_mode?: string;
  @ApiPropertyOptional(enumDoc('network_access_policy'))
  @IsOptional()
  @IsSettingValue('network_access_policy')
  network_access_policy?: string;
  @ApiPropertyOptional(enumDoc('module_approval_mode'))
  @IsOptional()
  @IsSettingValue('module_approval_mode')
  module_approval_mode?: string;
  @ApiPropertyOptional(enumDoc('remote_tool_editing'))
  @IsOptional()
  @IsSettingValue('remote_tool_editing')
  remote_tool_editing?: string;
  @ApiPropertyOptional(enumDoc('redact_secrets_in_output'))
  @IsOptional()
  @IsSettingValue('redact_secrets_in_output')
  redact_secrets_in_output?: string;
  @ApiPropertyOptional(enumDoc('log_retention_days'))
  @IsOptional()
  @IsSettingValue('log_retention_days')
  log_retention_days?: number;
  @ApiPropertyOptional(enumDoc('mcp_rate_limit_rpm'))
  @IsOptional()
  @IsSettingValue('mcp_rate_limit_rpm')
  mcp_rate_limit_rpm?: number;
}

export class SettingDto {
  @ApiProperty() key: string;
  @ApiProperty({ description: 'The value; "********" for an encrypted setting' }) value: unknown;
  @ApiProperty() encrypted: boolean;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ nullable: true, description: 'The default (the strictest value)' }) default: unknown;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'null while the default is in force' })
  updated_at: string | null;
}
