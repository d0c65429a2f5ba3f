import { Global, Module } from '@nestjs/common';
import { ServerChangesService } from './server-changes.service';

@Global()
@Module({ providers: [ServerChangesService], exports: [ServerChangesService] })
export class ServerChangesModule {}
