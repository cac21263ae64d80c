import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/v1/me')
export class MeController {
  @Get()
  @ApiOperation({ summary: 'Who this token belongs to, and their roles' })
  whoAmI(@CurrentPrincipal() principal: Principal) {
    return { id: principal.userId, name: principal.userName, roles: principal.roles, tokenId: principal.tokenId };
  }
}
