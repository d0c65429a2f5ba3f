import { BadRequestException, ParseUUIDPipe } from '@nestjs/common';

/** Path id validation: a non-UUID is a 400 naming the parameter (ids come from gen_random_uuid, v4). */
export const uuidParam = (name: string) => new ParseUUIDPipe({ version: '4', exceptionFactory: () => new BadRequestException(`${name} must be a UUID`) });
