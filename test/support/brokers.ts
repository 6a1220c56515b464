import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ConnectionOptions, StompConnection, StompVersion } from '../../lib';
import { writeRaw } from './session';

/** A real broker the integration suites run against, brought up by scripts/brokers.sh. */
export interface BrokerTarget {
  name: 'rabbitmq' | 'activemq';
  options: ConnectionOptions;
  /** Where a NACKed message ends up on this broker, for assertions. */
  nack: 'requeue' | 'dead-letter';
  /** Makes the broker itself close `conn`'s connection, as an operator or a broker fault would. */
  closeConnection(conn: StompConnection): Promise<void>;
}

export const BROKERS: readonly BrokerTarget[] = [
  {
    name: 'rabbitmq',
    options: { hosts: [['127.0.0.1', Number(process.env.RABBITMQ_STOMP_PORT ?? 61613)]], login: 'guest', passcode: 'guest', reconnectAttemptsMax: 10 },
    nack: 'requeue',
    // RabbitMQ answers an unknown command with ERROR but keeps the connection: ask the operator tool.
    closeConnection: async () => {
      await promisify(execFile)('rabbitmqctl', ['close_all_connections', 'nestjs-stomp test'], { timeout: 30_000 });
    },
  },
  {
    name: 'activemq',
    options: { hosts: [['127.0.0.1', Number(process.env.ACTIVEMQ_STOMP_PORT ?? 61614)]], login: 'admin', passcode: 'admin', reconnectAttemptsMax: 10 },
    nack: 'dead-letter',
    // ActiveMQ has no operator command without JMX; an unknown command makes it send ERROR and close.
    closeConnection: async (conn) => writeRaw(conn, 'BOGUS\n\n\0'),
  },
];

export const VERSIONS: readonly StompVersion[] = ['1.0', '1.1', '1.2'];

/** Every broker × version pair, for `describe.each`. */
export const BROKER_VERSIONS: ReadonlyArray<[string, BrokerTarget, StompVersion]> = BROKERS.flatMap((broker) =>
  VERSIONS.map((version): [string, BrokerTarget, StompVersion] => [`${broker.name} STOMP ${version}`, broker, version]),
);
