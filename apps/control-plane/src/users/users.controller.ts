import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { text } from '../../../../libs/protocol/src/index.js';
import { actorOf } from '../audit/actor.js';
import { CurrentPrincipal, RequireRoles, ROLES, type Principal } from '../auth/principal.js';
import { UserService } from './user.service.js';

const UserName = text().regex(/^[a-z][a-z0-9._-]{0,62}$/, 'must be lowercase letters, digits, . _ - (at most 63), starting with a letter');
// Duplicates are dropped and the order made canonical, so equal sets compare equal in the audit log.
const Roles = z
  .array(z.enum(ROLES))
  .max(ROLES.length * 2)
  .transform((roles) => ROLES.filter((role) => roles.includes(role)));

class CreateUserDto extends createZodDto(z.strictObject({ name: UserName, roles: Roles })) {}
class SetRolesDto extends createZodDto(z.strictObject({ roles: Roles })) {}
class UserParamsDto extends createZodDto(z.strictObject({ name: text() })) {}
class TokenParamsDto extends createZodDto(z.strictObject({ name: text(), id: z.uuid('must be a token id (UUID)') })) {}
class IssueTokenDto extends createZodDto(
  z.strictObject({ name: text().trim().min(1).max(200).describe('What the token is for, e.g. "laptop" or "ci"') }),
) {}

@ApiTags('users')
@ApiBearerAuth()
@RequireRoles('admin')
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UserService) {}

  @Post()
  @ApiOperation({ summary: 'Create a user with roles' })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateUserDto) {
    return this.users.create(actorOf(principal), body.name, body.roles);
  }

  @Get()
  @ApiOperation({ summary: 'List users with their roles and tokens (never the secrets)' })
  list() {
    return this.users.list();
  }

  @Put(':name')
  @ApiOperation({ summary: "Replace a user's roles" })
  setRoles(@CurrentPrincipal() principal: Principal, @Param() params: UserParamsDto, @Body() body: SetRolesDto) {
    return this.users.setRoles(actorOf(principal), params.name, body.roles);
  }

  @Post(':name/tokens')
  @ApiOperation({ summary: 'Issue an API token for a user (shown once)' })
  issueToken(@CurrentPrincipal() principal: Principal, @Param() params: UserParamsDto, @Body() body: IssueTokenDto) {
    return this.users.issueToken(actorOf(principal), params.name, body.name);
  }

  @Delete(':name/tokens/:id')
  @HttpCode(204)
  @ApiOperation({ summary: "Revoke one of a user's API tokens" })
  async revokeToken(@CurrentPrincipal() principal: Principal, @Param() params: TokenParamsDto): Promise<void> {
    await this.users.revokeToken(actorOf(principal), params.name, params.id);
  }
}
