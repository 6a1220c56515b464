import {
  formatEndpoint,
  PrintingListener,
  StompBrokerError,
  StompConnection,
  StompConnectionError,
  StompErrorCode,
  type ConnectionOptions,
  type StompError,
} from '../engine';
import type { CliIo } from './io';

/**
 * One connected engine for one command. A command line tool has no one to report a failure to
 * later, so anything the broker does on its own — an ERROR frame (even one RabbitMQ sends without
 * closing), the socket dropping, a heart-beat timeout — fails the command at once through
 * {@link CliSession.race}.
 */
export class CliSession {
  private readonly failure: Promise<never>;
  private fail!: (error: Error) => void;
  private closing = false;
  private lastConnectionError: StompError | undefined;

  private constructor(readonly conn: StompConnection) {
    this.failure = new Promise<never>((_, reject) => (this.fail = reject));
    // Nobody may be racing when the failure happens (e.g. during connect); that is not an unhandled rejection.
    this.failure.catch(() => undefined);
    conn.setListener('cli-session', {
      onError: (frame) => this.fail(new StompBrokerError(frame)),
      onConnectionError: (error) => (this.lastConnectionError = error),
      onDisconnected: () => {
        if (this.closing) return;
        const where = conn.hostAndPort ? formatEndpoint({ host: conn.hostAndPort[0], port: conn.hostAndPort[1] }) : 'the broker';
        const why = this.lastConnectionError ? `: ${this.lastConnectionError.message}` : '';
        this.fail(new StompConnectionError(`connection to ${where} lost${why}`, StompErrorCode.NotConnected));
      },
    });
  }

  /**
   * Connects with `options`; with `verbose`, every frame is printed on stderr by the engine's
   * PrintingListener, which masks the passcode.
   * @throws {StompBrokerError} when the broker refuses the CONNECT (bad credentials, unknown vhost).
   * @throws {StompConnectionError} when the broker cannot be reached.
   */
  static async open(options: ConnectionOptions, io: CliIo, verbose: boolean): Promise<CliSession> {
    const conn = new StompConnection(options);
    if (verbose) conn.setListener('verbose', new PrintingListener((line) => io.stderr.write(`${line}\n`)));
    const session = new CliSession(conn);
    await conn.connect();
    return session;
  }

  /** What `work` resolves to, unless the connection fails first. */
  race<T>(work: Promise<T>): Promise<T> {
    // When the failure wins, `work` usually rejects a moment later ("not connected"): that is expected.
    work.catch(() => undefined);
    return Promise.race([work, this.failure]);
  }

  /** Follows a write nobody awaits (an ACK): if it fails, the session fails. */
  track(write: Promise<void>): void {
    write.catch((error: Error) => this.fail(error));
  }

  /** DISCONNECT, waiting for its receipt: every frame sent before it has reached the broker. */
  async close(): Promise<void> {
    this.closing = true;
    await this.conn.disconnect();
  }
}

/**
 * Connects, runs `work` raced against the connection failing, and disconnects. When `work` failed,
 * its error is the one reported, not a follow-up failure of the disconnect.
 */
export async function withSession<T>(options: ConnectionOptions, io: CliIo, verbose: boolean, work: (session: CliSession) => Promise<T>): Promise<T> {
  const session = await CliSession.open(options, io, verbose);
  let result: T;
  try {
    result = await session.race(work(session));
  } catch (error) {
    await session.close().catch(() => undefined);
    throw error;
  }
  await session.close();
  return result;
}
