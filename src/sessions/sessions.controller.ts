import { Controller, Delete, Get, HttpCode } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { AuthenticatedUser } from '../access/authenticated-user.js';
import { Authorize } from '../access/authorize.decorator.js';
import { CurrentUser } from '../access/current-user.decorator.js';
import { ApiUuidParam, UuidParam } from '../common/decorators/uuid-param.decorator.js';
import { type DataEnvelope, envelope } from '../common/http/envelope.js';
import { SessionOutput } from './dto/session.output.dto.js';
import { SESSIONS_LISTED, SessionsService } from './sessions.service.js';

@ApiTags('auth')
@Controller('auth/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @ApiOperation({
    summary: 'My sessions',
    description: `The caller's live sessions (one per login), newest first, at most ${SESSIONS_LISTED}; \`current\` marks the calling token's.`,
  })
  @Authorize({ scopes: [] })
  @ApiExtraModels(SessionOutput)
  @ApiResponse({
    status: 200,
    description: 'The live sessions, newest first',
    schema: {
      type: 'object',
      required: ['data'],
      properties: { data: { type: 'array', items: { $ref: getSchemaPath(SessionOutput) } } },
    },
  })
  async list(@CurrentUser() caller: AuthenticatedUser): Promise<DataEnvelope<SessionOutput[]>> {
    const rows = await this.sessions.list(caller.id, caller.credentialVersion);
    return envelope(
      rows.map((row) => ({
        id: row.id,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        user_agent: row.user_agent,
        ip: row.ip,
        current: row.id === caller.sessionId,
      })),
    );
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Log a session out',
    description:
      "Revokes one of the caller's sessions: its refresh token is refused from then on, and so are its access tokens, at once. The current session may be revoked too (that logs the caller out). Another user's session, or one no longer live, is 404.",
  })
  @Authorize({ scopes: [] })
  @HttpCode(204)
  @ApiUuidParam('id', 'Session id (UUID)')
  @ApiNoContentResponse({ description: 'Revoked' })
  async revoke(@UuidParam() id: string, @CurrentUser() caller: AuthenticatedUser): Promise<void> {
    await this.sessions.revokeOwn(caller.id, id);
  }
}
