import type { Frame } from './frame';

/** The broker families whose STOMP habits differ enough to matter (see the README's broker table). */
export type BrokerProduct = 'rabbitmq' | 'activemq' | 'artemis' | 'other';

/**
 * Which broker answered, from CONNECTED's `server` header (`RabbitMQ/3.10.8`, `ActiveMQ/5.17.2`,
 * `ActiveMQ-Artemis/2.x`).
 */
export function brokerProduct(connected: Frame | null): BrokerProduct {
  const server = connected?.header('server') ?? '';
  if (/^RabbitMQ\b/i.test(server)) return 'rabbitmq';
  if (/^ActiveMQ-Artemis\b/i.test(server)) return 'artemis';
  if (/^ActiveMQ\b/i.test(server)) return 'activemq';
  return 'other';
}
