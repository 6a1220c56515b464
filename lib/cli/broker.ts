import type { StompConnection } from '../engine';

/**
 * Whether the connected broker is RabbitMQ, from CONNECTED's `server` header. Two of its STOMP
 * habits matter here: it subscribes the sender to a `/temp-queue/` named in `reply-to` itself
 * (and refuses an explicit SUBSCRIBE to one), and it keeps every `/queue/` it declared.
 */
export function isRabbitMq(conn: StompConnection): boolean {
  return /^RabbitMQ\b/.test(conn.connected?.header('server') ?? '');
}
