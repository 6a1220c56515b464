import { Module } from '@nestjs/common';
import { ClientsModule } from '@nestjs/microservices';
import { ClientStomp, StompModule } from 'nestjs-stomp';
import { AuditService } from './audit.service';
import { brokerOptions } from './config';
import { DemoProducer } from './demo.producer';
import { OrdersController } from './orders.controller';

@Module({
  imports: [
    StompModule.forRoot(brokerOptions()),
    ClientsModule.register([{ name: 'ORDERS', customClass: ClientStomp, options: { ...brokerOptions(), confirm: true } }]),
  ],
  controllers: [OrdersController],
  providers: [AuditService, DemoProducer],
})
export class AppModule {}
