import { Module } from '@nestjs/common';
import { AuthModule } from '../../auth/auth.module';
import { ActivityStreamGateway } from './activity-stream.gateway';

/** The live activity stream (socket.io); bootstrap installs its adapter (ActivityIoAdapter). */
@Module({
  imports: [AuthModule],
  providers: [ActivityStreamGateway],
  exports: [ActivityStreamGateway],
})
export class ActivityStreamModule {}
