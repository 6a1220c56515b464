import type { ConnectionOptions, StompVersion } from '../../lib';

/** A real broker the integration suites run against, brought up by scripts/brokers.sh. */
export interface BrokerTarget {
  name: 'rabbitmq' | 'activemq';
  options: ConnectionOptions;
  /** Where a NACKed message ends up on this broker, for assertions. */
  nack: 'requeue' | 'dead-letter';
  /** The destination of the broker's dead-letter queue, when it has one. */
  deadLetterQueue?: string;
}

export const BROKERS: readonly BrokerTarget[] = [
  {
    name: 'rabbitmq',
    options: { hosts: [['127.0.0.1', Number(process.env.RABBITMQ_STOMP_PORT ?? 61613)]], login: 'guest', passcode: 'guest', reconnectAttemptsMax: 10 },
    nack: 'requeue',
  },
  {
    name: 'activemq',
    options: { hosts: [['127.0.0.1', Number(process.env.ACTIVEMQ_STOMP_PORT ?? 61614)]], login: 'admin', passcode: 'admin', reconnectAttemptsMax: 10 },
    nack: 'dead-letter',
    deadLetterQueue: '/queue/ActiveMQ.DLQ',
  },
];

export const VERSIONS: readonly StompVersion[] = ['1.0', '1.1', '1.2'];

/** Every broker × version pair, for `describe.each`. */
export const BROKER_VERSIONS: ReadonlyArray<[string, BrokerTarget, StompVersion]> = BROKERS.flatMap((broker) =>
  VERSIONS.map((version): [string, BrokerTarget, StompVersion] => [`${broker.name} STOMP ${version}`, broker, version]),
);
