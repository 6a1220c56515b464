/** The brokers of scripts/brokers.sh, on loopback only. */
import type { Endpoint } from '../peers/clients';

export const BROKERS = {
  rabbitmq: { host: '127.0.0.1', port: 61613, login: 'guest', passcode: 'guest', vhost: '/', amqpUrl: 'amqp://guest:guest@127.0.0.1:5672' },
  activemq: { host: '127.0.0.1', port: 61614, login: 'admin', passcode: 'admin', vhost: '/', amqpUrl: '' },
} as const;

export type BrokerName = keyof typeof BROKERS;

export function endpointOf(broker: string): Endpoint & { amqpUrl: string } {
  const found = (BROKERS as Record<string, Endpoint & { amqpUrl: string }>)[broker];
  if (found === undefined) throw new Error(`unknown broker ${broker} (rabbitmq or activemq)`);
  return { ...found };
}
