import { Module } from '@nestjs/common';
import { ResourceCacheModule } from '../cache/resource-cache.module.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsService } from './sessions.service.js';

/**
 * Sessions (logins): the store behind refresh tokens, the per-request session check and the
 * /auth/sessions routes. Depends on no feature module, so that users (a password change ends every
 * session) and auth can both use it.
 */
@Module({
  imports: [ResourceCacheModule],
  controllers: [SessionsController],
  providers: [SessionsService],
  exports: [SessionsService],
})
export class SessionsModule {}
