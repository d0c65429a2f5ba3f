import { Global, Module } from '@nestjs/common';
import { AccessPolicy } from './access-policy';

/** The access policy, for every feature (settings and configuration are global too). */
@Global()
@Module({ providers: [AccessPolicy], exports: [AccessPolicy] })
export class AccessModule {}
