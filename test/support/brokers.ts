import { execFile } from 'node:child_process';
import { channel } from 'node:diagnostics_channel';
import { promisify } from 'node:util';
import type { ConnectionOptions, StompConnection, StompVersion } from '../../lib';
import { writeRaw } from './session';

/** A broker the integration suites run against: the real ones brought up by scripts/brokers.sh, and the embedded one. */
export interface BrokerTarget {
  name: 'rabbitmq' | 'activemq' | 'embedded';
  options: ConnectionOptions;
  /** What the CONNECTED `server` header of this broker looks like. */
  server: RegExp;
  /** Where a NACKed message ends up on this broker, for assertions. */
  nack: 'requeue' | 'dead-letter';
  /** Makes the broker itself close `conn`'s connection, as an operator or a broker fault would. */
  closeConnection(conn: StompConnection): Promise<void>;
}

/**
 * Where the EmbeddedBroker that global-setup.ts starts in jest's main process takes "close this
 * session" requests. diagnostics_channel is one registry per process, shared by jest's test
 * sandboxes, so this reaches it whenever jest runs in band, as npm test does.
 */
export const EMBEDDED_CLOSE_CHANNEL = 'nestjs-stomp:test:embedded-broker:close';

/** Environment variable with that broker's port, set by global-setup.ts once it listens. */
export const EMBEDDED_PORT_ENV = 'EMBEDDED_STOMP_PORT';

export const BROKERS: readonly BrokerTarget[] = [
  {
    name: 'rabbitmq',
    options: { hosts: [['127.0.0.1', Number(process.env.RABBITMQ_STOMP_PORT ?? 61613)]], login: 'guest', passcode: 'guest', reconnectAttemptsMax: 10 },
    server: /RabbitMQ/,
    nack: 'requeue',
    // RabbitMQ answers an unknown command with ERROR but keeps the connection: ask the operator tool.
    closeConnection: async () => {
      await promisify(execFile)('rabbitmqctl', ['close_all_connections', 'nestjs-stomp test'], { timeout: 30_000 });
    },
  },
  {
    name: 'activemq',
    options: { hosts: [['127.0.0.1', Number(process.env.ACTIVEMQ_STOMP_PORT ?? 61614)]], login: 'admin', passcode: 'admin', reconnectAttemptsMax: 10 },
    server: /ActiveMQ/,
    nack: 'dead-letter',
    // ActiveMQ has no operator command without JMX; an unknown command makes it send ERROR and close.
    closeConnection: async (conn) => writeRaw(conn, 'BOGUS\n\n\0'),
  },
  {
    name: 'embedded',
    // Read on use: global-setup.ts loads this module before it has started the broker.
    get options(): ConnectionOptions {
      return { hosts: [['127.0.0.1', Number(process.env[EMBEDDED_PORT_ENV] ?? 0)]], login: 'guest', passcode: 'guest', reconnectAttemptsMax: 10 };
    },
    server: /^nestjs-stomp-embedded\/\d+\.\d+\.\d+/,
    nack: 'requeue',
    closeConnection: async (conn) => {
      const control = channel(EMBEDDED_CLOSE_CHANNEL);
      // Out of band (jest workers, not in band): a protocol violation makes it send ERROR and close too.
      if (control.hasSubscribers) control.publish({ session: conn.connected?.header('session') });
      else writeRaw(conn, 'BOGUS\n\n\0');
    },
  },
];

export const VERSIONS: readonly StompVersion[] = ['1.0', '1.1', '1.2'];

/** Every broker × version pair, for `describe.each`. */
export const BROKER_VERSIONS: ReadonlyArray<[string, BrokerTarget, StompVersion]> = BROKERS.flatMap((broker) =>
  VERSIONS.map((version): [string, BrokerTarget, StompVersion] => [`${broker.name} STOMP ${version}`, broker, version]),
);
