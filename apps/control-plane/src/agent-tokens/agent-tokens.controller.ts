import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { text } from '../../../../libs/protocol/src/index.js';
import { RequireRoles } from '../auth/principal.js';
import { AgentTokenService } from './agent-token.service.js';

class CreateAgentTokenDto extends createZodDto(
  z.strictObject({
    name: text().trim().min(1).max(200).describe('What the token is for, e.g. the host it will enroll'),
  }),
) {}

@ApiTags('agent tokens')
@ApiBearerAuth()
class AgentTokenParamsDto extends createZodDto(z.strictObject({ id: z.uuid('must be an agent token id (UUID)') })) {}

@RequireRoles('admin')
@Controller('api/v1/agent-tokens')
export class AgentTokensController {
  constructor(private readonly tokens: AgentTokenService) {}

  @Post()
  @ApiOperation({ summary: 'Issue an agent token (shown once); it binds to a hostname at first connect' })
  issue(@Body() body: CreateAgentTokenDto) {
    return this.tokens.issue(body.name);
  }

  @Get()
  @ApiOperation({ summary: 'List agent tokens (never the secrets)' })
  list() {
    return this.tokens.list();
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an agent token and disconnect its agent' })
  async revoke(@Param() params: AgentTokenParamsDto): Promise<void> {
    await this.tokens.revoke(params.id);
  }
}
