import { Module } from '@nestjs/common';
import { MeController } from './me.controller.js';
import { UserRepository } from './user.repository.js';
import { UserService } from './user.service.js';
import { UsersController } from './users.controller.js';

@Module({ controllers: [UsersController, MeController], providers: [UserRepository, UserService] })
export class UsersModule {}
