import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { StompContext, StompTransactional } from 'nestjs-stomp';
import { AuditService } from './audit.service';
import { QUEUES } from './queues';

export interface Order {
  id: number;
  sku: string;
  qty: number;
  /** Demo switch: the first attempt at this order fails after forwarding. */
  failOnce?: boolean;
}

const PRICES: Record<string, number> = { 'A-1': 9.5, 'B-2': 20 };

@Controller()
export class OrdersController {
  private readonly logger = new Logger('Orders');
  private readonly failed = new Set<number>();

  constructor(private readonly audit: AuditService) {}

  /**
   * Orders are acknowledged one by one, and each is handled in a transaction: the invoice it sends
   * and its ACK are committed together, or neither happens.
   */
  @EventPattern<string>(QUEUES.orders, { ack: 'client-individual', concurrency: 4 })
  @StompTransactional()
  async onOrder(@Payload() order: Order, @Ctx() ctx: StompContext): Promise<void> {
    const attempt = ctx.getHeaders().redelivered === 'true' ? 'redelivered' : 'first';
    this.logger.log(`order ${order.id} consumed (${attempt} delivery, transaction ${ctx.getTransaction()})`);
    await ctx.send(QUEUES.invoices, { orderId: order.id, amount: (PRICES[order.sku] ?? 0) * order.qty });
    if (order.failOnce && !this.failed.has(order.id)) {
      this.failed.add(order.id);
      this.logger.warn(`order ${order.id} failed after sending its invoice: transaction aborted, invoice discarded`);
      throw new Error(`order ${order.id}: simulated failure`);
    }
  }

  @EventPattern<string>(QUEUES.invoices)
  async onInvoice(@Payload() invoice: { orderId: number; amount: number }): Promise<void> {
    this.logger.log(`invoice for order ${invoice.orderId}: ${invoice.amount.toFixed(2)}`);
    await this.audit.record(`invoiced order ${invoice.orderId}`);
  }

  /** Request/response: the reply goes to the request's reply-to, plain JSON any STOMP client reads. */
  @MessagePattern(QUEUES.prices)
  quote(@Payload() request: { sku: string }): { sku: string; price: number } {
    const price = PRICES[request.sku];
    if (price === undefined) throw new RpcException({ code: 'UNKNOWN_SKU', message: `no price for ${request.sku}` });
    return { sku: request.sku, price };
  }
}
