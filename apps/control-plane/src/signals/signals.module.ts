import { Module } from '@nestjs/common';
import { SignalRepository } from './signal.repository.js';
import { SignalsService } from './signals.service.js';

@Module({
  providers: [SignalRepository, SignalsService],
  exports: [SignalRepository, SignalsService],
})
export class SignalsModule {}
