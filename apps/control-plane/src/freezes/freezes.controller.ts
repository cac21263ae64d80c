import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { CreateFreezeRequest, type FreezeView } from '../../../../libs/protocol/src/index.js';
import { CurrentPrincipal, RequireRoles, type Principal } from '../auth/principal.js';
import { FreezeService } from './freeze.service.js';

class CreateFreezeDto extends createZodDto(CreateFreezeRequest) {}

@ApiTags('freezes')
@ApiBearerAuth()
@Controller('api/v1/freezes')
export class FreezesController {
  constructor(private readonly freezes: FreezeService) {}

  @Post()
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Declare a freeze window: nothing starts on schedule inside it' })
  create(@Body() body: CreateFreezeDto, @CurrentPrincipal() principal: Principal): Promise<FreezeView> {
    return this.freezes.create(body, principal);
  }

  @Get()
  @ApiOperation({ summary: 'List freeze windows' })
  list(): Promise<FreezeView[]> {
    return this.freezes.list();
  }
}
