// Liveness (the process answers) and readiness (the database answers).
import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Public } from '../auth/principal.js';

@Public()
@Controller()
export class HealthController {
  constructor(private readonly db: DataSource) {}

  @Get('healthz')
  @ApiOperation({ summary: 'Liveness: the process is up' })
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOperation({ summary: 'Readiness: the database is reachable' })
  async readyz(): Promise<{ status: 'ready' }> {
    try {
      await this.db.query('SELECT 1');
      return { status: 'ready' };
    } catch (error) {
      throw new ServiceUnavailableException(`database unreachable: ${(error as Error).message}`);
    }
  }
}
