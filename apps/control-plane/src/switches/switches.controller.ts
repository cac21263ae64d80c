import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { Invalid } from '../../../../libs/domain/src/index.js';
import { SwitchChange, SwitchName, text, type SwitchView } from '../../../../libs/protocol/src/index.js';
import { actorOf } from '../audit/actor.js';
import { CurrentPrincipal, RequireRoles, type Principal } from '../auth/principal.js';
import { SwitchesService } from './switches.service.js';

class SwitchChangeDto extends createZodDto(SwitchChange) {}
class ServiceParamsDto extends createZodDto(z.strictObject({ name: text() })) {}
class SwitchParamsDto extends createZodDto(z.strictObject({ name: text(), switch: text() })) {}

@ApiTags('services')
@ApiBearerAuth()
@Controller('api/v1/services/:name/switches')
export class SwitchesController {
  constructor(private readonly switches: SwitchesService) {}

  @Get()
  @ApiOperation({ summary: "A service's switches" })
  list(@Param() params: ServiceParamsDto): Promise<SwitchView[]> {
    return this.switches.list(params.name);
  }

  @Put(':switch')
  @RequireRoles('operator')
  @ApiOperation({ summary: 'Turn a switch on or off on every host of the service' })
  set(
    @CurrentPrincipal() principal: Principal,
    @Param() { name: service, switch: name }: SwitchParamsDto,
    @Body() body: SwitchChangeDto,
  ): Promise<SwitchView & { hosts: string[] }> {
    const parsed = SwitchName.safeParse(name);
    if (!parsed.success) throw new Invalid('SWITCH_NAME_INVALID', `switch name ${JSON.stringify(name)} ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
    return this.switches.set(actorOf(principal), service, parsed.data, body);
  }
}
