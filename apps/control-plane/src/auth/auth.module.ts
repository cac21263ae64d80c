import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiTokenRepository } from './api-token.repository.js';
import { AuthGuard } from './auth.guard.js';

@Module({
  providers: [ApiTokenRepository, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiTokenRepository],
})
export class AuthModule {}
