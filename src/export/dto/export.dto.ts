import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type {
  ExportDocument,
  ExportedNetworkRecord,
  ExportedSecret,
  ExportedServer,
  ExportedSource,
  ExportedTool,
  ImportCounts,
  ImportIssue,
  ImportResult,
} from '../export-document';

export class ExportedToolDto implements ExportedTool {
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty({ enum: ['javascript', 'typescript'] }) language: string;
  @ApiProperty({ nullable: true, type: String }) code: string | null;
  @ApiProperty({ nullable: true, type: Object }) input_schema: Record<string, unknown> | null;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ nullable: true, type: Number }) timeout_ms: number | null;
  @ApiProperty({ enum: ['code', 'mcp_passthrough'] }) tool_type: string;
  @ApiProperty({ nullable: true, type: String }) external_tool_name: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Name of the server external source a passthrough tool forwards to',
  })
  external_source_name: string | null;
}

export class ExportedSecretDto implements ExportedSecret {
  @ApiProperty() key_name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
}

export class ExportedSourceDto implements ExportedSource {
  @ApiProperty() name: string;
  @ApiProperty({ description: 'Without user:password' }) url: string;
  @ApiProperty({ enum: ['none', 'bearer', 'header', 'oauth'] }) auth_type: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'A key of the server secrets (the value is never exported)',
  })
  auth_secret_name: string | null;
  @ApiProperty({ nullable: true, type: String }) auth_header_name: string | null;
  @ApiProperty({ enum: ['streamable_http', 'sse'] }) transport_type: string;
}

export class ExportedNetworkRecordDto implements ExportedNetworkRecord {
  @ApiProperty() host: string;
  @ApiProperty({ nullable: true, type: Number, description: 'null = any port' }) port: number | null;
}

export class ExportedServerDto implements ExportedServer {
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty() default_timeout_ms: number;
  @ApiProperty({ type: [ExportedToolDto] }) tools: ExportedToolDto[];
  @ApiProperty({ type: [ExportedSecretDto], description: 'Names only; never values' }) secrets: ExportedSecretDto[];
  @ApiProperty({ type: [ExportedSourceDto] }) external_sources: ExportedSourceDto[];
  @ApiProperty({ type: [ExportedNetworkRecordDto], description: 'Admin-sourced, approved network records' })
  network_records: ExportedNetworkRecordDto[];
}

export class ExportDocumentDto implements ExportDocument {
  @ApiProperty({ example: 1, description: 'Document format; an import of a newer format is refused' })
  format_version: number;
  @ApiProperty({ format: 'date-time' }) exported_at: string;
  @ApiProperty({ type: [ExportedServerDto] }) servers: ExportedServerDto[];
  @ApiProperty({ type: [String], description: 'Admin-sourced, approved module allowances' }) module_records: string[];
  @ApiPropertyOptional({
    description:
      'Hex HMAC-SHA256 over the canonical JSON (sorted keys) of the document without signature, keyed from the encryption key',
  })
  signature?: string;
}

/** `importService.importDocument`: the query of `POST /api/export/import`. */
export class ImportQueryDto {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    default: 'false',
    description:
      'Import a document whose signature is missing or does not verify; it then grants nothing: every tool lands in pending_review and its network and module records become pending requests',
  })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'allow_unsigned must be true or false' })
  allow_unsigned?: 'true' | 'false';
}

export class ImportIssueDto implements ImportIssue {
  @ApiProperty({ enum: ['document', 'server', 'tool', 'secret', 'external_source', 'network_record', 'module_record'] })
  kind: ImportIssue['kind'];
  @ApiProperty({ description: 'server, server.tool, server.KEY, server:host[:port], or a document path' }) name: string;
  @ApiProperty() reason: string;
}

export class ImportCountsDto {
  @ApiProperty() servers: number;
  @ApiProperty() tools: number;
  @ApiProperty() secrets: number;
  @ApiProperty() external_sources: number;
  @ApiProperty() network_records: number;
}

export class ImportTotalsDto implements ImportCounts {
  @ApiProperty({ description: 'Items created (the sum of created)' }) created: number;
  @ApiProperty() skipped: number;
  @ApiProperty() failed: number;
  @ApiProperty({ description: 'Records of an unsigned document left as pending requests' }) pending_requests: number;
}

export class ImportResultDto implements ImportResult {
  @ApiProperty({ description: 'Whether the signature verified with this MCPBox key' }) signature_verified: boolean;
  @ApiProperty({ type: ImportCountsDto }) created: ImportCountsDto;
  @ApiProperty({
    type: ImportTotalsDto,
    description: 'How many items were created, skipped, failed or left as requests',
  })
  counts: ImportTotalsDto;
  @ApiProperty({
    type: [ImportIssueDto],
    description: 'Not imported, by design: name clashes (never overwritten), module records, passthrough tools',
  })
  skipped: ImportIssueDto[];
  @ApiProperty({
    type: [ImportIssueDto],
    description: 'Always empty on success: any failure refuses the whole import (400 with the list)',
  })
  failed: ImportIssueDto[];
  @ApiProperty({
    type: [ImportIssueDto],
    description:
      'Network and module records of an unsigned (or unverifiable) document: stored as pending requests for the admin, never granted by the import',
  })
  pending_requests: ImportIssueDto[];
}
