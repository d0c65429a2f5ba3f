import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NetworkAccessRequest } from './entities/network-access-request.entity';
import { ServersModule } from '../servers/servers.module';
import { AllowedHostsController } from './allowed-hosts.controller';
import { NetworkAccessService } from './network-access.service';
import { NetworkRequestsService } from './network-requests.service';

@Module({
  imports: [TypeOrmModule.forFeature([NetworkAccessRequest]), ServersModule],
  controllers: [AllowedHostsController],
  providers: [NetworkAccessService, NetworkRequestsService],
  exports: [NetworkAccessService, NetworkRequestsService],
})
export class NetworkAccessModule {}
