import { Module } from '@nestjs/common';
import { AllowedHostsController } from './allowed-hosts.controller';
import { NetworkAccessService } from './network-access.service';

@Module({
  controllers: [AllowedHostsController],
  providers: [NetworkAccessService],
  exports: [NetworkAccessService],
})
export class NetworkAccessModule {}
