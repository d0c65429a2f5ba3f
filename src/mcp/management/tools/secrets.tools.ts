import { outputJsonSchema, pageJsonSchema } from '../../../common/contract/output-json-schema';
import { SecretDto } from '../../../secrets/dto/secret.dto';
import { SecretsController } from '../../../secrets/secrets.controller';
import type { SecretsService } from '../../../secrets/secrets.service';
import { CREATE, defineTool, READ, type ManagementTool } from '../management-tool';
import { CreateSecretInput, ServerPageInput } from './inputs';

export function secretTools(secrets: SecretsService): ManagementTool[] {
  return [
    defineTool({
      name: 'mcpbox_create_server_secret',
      title: 'Create a secret placeholder',
      description:
        'Create a placeholder for a secret your tool code reads as secrets.KEY_NAME (upper case letters, digits and _). You cannot set its value: ask the user to set it in MCPBox. Values never appear in results or logs.',
      input: CreateSecretInput,
      output: outputJsonSchema(SecretDto),
      annotations: CREATE,
      rest: { controller: SecretsController, method: 'create' },
      run: (actor, input) => secrets.create(actor, input.server_id, input),
    }),
    defineTool({
      name: 'mcpbox_list_server_secrets',
      title: "List a server's secrets",
      description: "The server's secret names and whether each has a value (never the values).",
      input: ServerPageInput,
      output: pageJsonSchema(SecretDto),
      annotations: READ,
      rest: { controller: SecretsController, method: 'list' },
      run: (actor, input) => secrets.list(actor, input.server_id, input),
    }),
  ];
}
