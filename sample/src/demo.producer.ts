import { Inject, Injectable, Logger } from '@nestjs/common';
import { type ClientProxy } from '@nestjs/microservices';
import { InjectStompConnection, StompConnection, StompRecordBuilder, brokerProduct } from 'nestjs-stomp';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import type { Order } from './orders.controller';
import { QUEUES } from './queues';

/** The scripted demo: emits orders and asks for prices, printing what comes back. */
@Injectable()
export class DemoProducer {
  private readonly logger = new Logger('Demo');

  constructor(
    @Inject('ORDERS') private readonly client: ClientProxy,
    @InjectStompConnection() private readonly connection: StompConnection,
  ) {}

  async run(): Promise<void> {
    const invoices = this.countInvoices();
    const orders: Order[] = [
      { id: 1, sku: 'A-1', qty: 2 },
      { id: 2, sku: 'B-2', qty: 1, failOnce: true },
      { id: 3, sku: 'A-1', qty: 1 },
    ];
    for (const order of orders) {
      // emit completes once the broker confirmed the message (confirm: true in app.module.ts).
      await lastValueFrom(this.client.emit(QUEUES.orders, new StompRecordBuilder(order).setPersistent().build()), { defaultValue: undefined });
      this.logger.log(`order ${order.id} sent`);
    }
    const quote = await firstValueFrom(this.client.send<{ sku: string; price: number }>(QUEUES.prices, { sku: 'A-1' }));
    this.logger.log(`RPC answer: ${quote.sku} costs ${quote.price}`);
    const refused = await firstValueFrom(this.client.send(QUEUES.prices, { sku: 'Z-9' })).catch((error: { message?: string }) => error);
    this.logger.log(`RPC error: ${(refused as { message?: string }).message}`);
    await invoices;
  }

  /**
   * Resolves once every invoice arrived: 2 on ActiveMQ Classic (which dead-letters a NACKed message
   * at once), 3 elsewhere (RabbitMQ and the embedded broker requeue it, and it succeeds next time).
   */
  private countInvoices(): Promise<void> {
    const expected = brokerProduct(this.connection.connected) === 'activemq' ? 2 : 3;
    let seen = 0;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo: only ${seen} of ${expected} invoices within 20 s`)), 20_000);
      this.connection.setListener('demo', {
        onMessage: (frame) => {
          if (frame.header('destination') !== QUEUES.audit) return;
          seen += 1;
          if (seen === expected) {
            clearTimeout(timer);
            this.connection.removeListener('demo');
            resolve();
          }
        },
      });
      void this.connection.subscribe(QUEUES.audit, 'demo-audit', 'auto');
    });
  }
}
