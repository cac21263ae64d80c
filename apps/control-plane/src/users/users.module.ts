import { Module } from '@nestjs/common';
import { EventsModule } from '../dashboard/events.module.js';
import { MeController } from './me.controller.js';
import { UserRepository } from './user.repository.js';
import { UserService } from './user.service.js';
import { UsersController } from './users.controller.js';

@Module({ imports: [EventsModule], controllers: [UsersController, MeController], providers: [UserRepository, UserService] })
export class UsersModule {}
