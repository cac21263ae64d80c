import { Module } from '@nestjs/common';
import { FreezeRepository } from './freeze.repository.js';
import { FreezeService } from './freeze.service.js';
import { FreezesController } from './freezes.controller.js';

@Module({ controllers: [FreezesController], providers: [FreezeRepository, FreezeService], exports: [FreezeRepository] })
export class FreezesModule {}
