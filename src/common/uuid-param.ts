import { BadRequestException, ParseUUIDPipe, type ArgumentMetadata } from '@nestjs/common';

/**
 * Path id validation: a non-UUID is a 400 naming the parameter (ids come from
 * gen_random_uuid, v4). The id goes on in lower case, as PostgreSQL writes it: services
 * echo it back, key in-memory state (running servers) by it and publish it to listeners.
 */
class LowerCaseUuidPipe extends ParseUUIDPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<string | undefined | null> {
    return (await super.transform(value, metadata))?.toLowerCase();
  }
}

export const uuidParam = (name: string) =>
  new LowerCaseUuidPipe({ version: '4', exceptionFactory: () => new BadRequestException(`${name} must be a UUID`) });
