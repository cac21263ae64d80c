// The parsed configuration, the open database and the clock, provided to every module.
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Config } from '../config/config.js';
import type { Database } from '../database/database.js';
import { Clock, SystemClock } from './clock.js';

export const CONFIG = Symbol('CONFIG');
export const DATABASE = Symbol('DATABASE');

@Global()
@Module({})
export class CoreModule {
  static forRoot(config: Config, database: Database, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: DATABASE, useValue: database },
        { provide: DataSource, useValue: database.dataSource },
        { provide: Clock, useValue: clock },
      ],
      exports: [CONFIG, DATABASE, DataSource, Clock],
    };
  }
}
