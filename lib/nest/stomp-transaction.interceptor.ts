import { Injectable, Optional, UseInterceptors, applyDecorators, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { defer, from, lastValueFrom, mergeMap, toArray, type Observable } from 'rxjs';
import { StompContext, type MessageState } from './stomp.context';

/**
 * What to do with the message when the handler fails and its transaction was aborted. A request
 * whose error goes back to its `reply-to` is acknowledged whatever the policy.
 */
export type TransactionFailurePolicy = 'nack' | 'leave';

/** Options of {@link StompTransactionInterceptor}. */
export interface StompTransactionOptions {
  /**
   * `'nack'`: NACK the message outside the transaction (STOMP 1.1+); RabbitMQ requeues it, ActiveMQ
   * Classic dead-letters it at once. `'leave'`: leave it unacknowledged, so the broker redelivers it
   * after this connection ends. Until then it holds one of the subscription's `concurrency` prefetch
   * slots: once that many messages are left, the broker sends the subscription nothing more.
   * @default 'nack'
   */
  onFailure?: TransactionFailurePolicy;
}

/**
 * Runs a STOMP handler in a transaction: BEGIN before it; its `ctx.ack()` and `ctx.send()` join
 * the transaction; on success the message is acknowledged inside it and COMMIT makes all of it
 * happen at once; on failure ABORT discards what the handler sent, and the message is NACKed (or
 * left) outside the transaction. On an `auto` subscription there is no ACK: the transaction holds
 * the sends alone. Handlers of other transports pass through untouched.
 */
@Injectable()
export class StompTransactionInterceptor implements NestInterceptor {
  // Optional: Nest instantiates the class itself for @UseInterceptors(StompTransactionInterceptor), with nothing to inject.
  constructor(@Optional() private readonly options: StompTransactionOptions = {}) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const ctx = context.switchToRpc().getContext<unknown>();
    if (!(ctx instanceof StompContext)) return next.handle();
    return defer(() => this.run(ctx, next)).pipe(mergeMap((values) => from(values)));
  }

  private async run(ctx: StompContext, next: CallHandler): Promise<unknown[]> {
    const connection = ctx.getConnection();
    const transaction = await connection.begin();
    const state = ctx.getState();
    state.transaction = transaction;
    let values: unknown[];
    try {
      values = await lastValueFrom(next.handle().pipe(toArray()));
      if (!ctx.isSettled() && needsAck(ctx)) await ctx.ack();
      await connection.commit(transaction, { receipt: true });
    } catch (error) {
      await this.rollBack(ctx, transaction, state);
      throw error;
    } finally {
      state.transaction = undefined;
    }
    return values;
  }

  private async rollBack(ctx: StompContext, transaction: string, state: MessageState): Promise<void> {
    const connection = ctx.getConnection();
    await connection.abort(transaction, { receipt: true }).catch(() => undefined);
    // What was settled inside the aborted transaction never happened.
    state.settlement = null;
    state.transaction = undefined;
    // The requester gets the error as its answer and the message is acknowledged, as without a
    // transaction: a NACK would have the broker hand the same request over and over.
    if (state.errorsAnswered || !needsAck(ctx)) return;
    if ((this.options.onFailure ?? 'nack') === 'nack' && connection.version !== '1.0') {
      await ctx.nack().catch(() => undefined);
    } else {
      state.settlement = 'left';
    }
  }
}

/**
 * Whether the message waits for an ACK: not on an `auto` subscription, whose messages the broker
 * counted as consumed when it sent them (an ACK for one is refused). A subscription gone while its
 * handler runs was an `auto` one: client-ack subscriptions end only once their handlers settled.
 */
function needsAck(ctx: StompContext): boolean {
  const subscription = ctx.getConnection().getSubscriptions().get(ctx.getSubscription() ?? '');
  return subscription !== undefined && subscription.ack !== 'auto';
}

/**
 * Wraps a STOMP handler in {@link StompTransactionInterceptor}.
 * @example
 * @EventPattern('/queue/orders', { ack: 'client-individual' })
 * @StompTransactional()
 * handle(@Payload() order: Order, @Ctx() ctx: StompContext) { return ctx.send('/queue/invoices', invoice(order)); }
 */
export function StompTransactional(options: StompTransactionOptions = {}): MethodDecorator & ClassDecorator {
  return applyDecorators(UseInterceptors(new StompTransactionInterceptor(options)));
}
