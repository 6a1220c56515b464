import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a real broker, to make the network fail the way it does:
 * `freeze()` stops forwarding on open connections without closing them (a half-open link: no FIN,
 * no RST), `kill()` drops every connection and stops listening (a dead endpoint).
 */
export class TcpProxy {
  private readonly pairs = new Set<[Socket, Socket]>();

  private constructor(
    private readonly server: Server,
    readonly targetPort: number,
  ) {
    server.on('connection', (client) => this.pipe(client));
  }

  static async start(targetPort: number, port = 0): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
    return new TcpProxy(server, targetPort);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Connections currently proxied. */
  get connections(): number {
    return this.pairs.size;
  }

  private pipe(client: Socket): void {
    const upstream = connect({ host: '127.0.0.1', port: this.targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (chunk) => to.write(chunk));
    };
    forward(client, upstream);
    forward(upstream, client);
    const close = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }

  /**
   * Silently swallows all traffic on the connections open now, keeping them open; connections made
   * afterwards work normally (the network came back on a new path).
   */
  freeze(): void {
    for (const [client, upstream] of this.pairs) {
      // Keep reading (so nothing pushes back) but forward nothing.
      client.removeAllListeners('data').on('data', () => undefined);
      upstream.removeAllListeners('data').on('data', () => undefined);
    }
  }

  /** Drops every connection (RST) and stops accepting: the endpoint is dead. */
  async kill(): Promise<void> {
    for (const [client, upstream] of this.pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Stops the proxy and closes what remains (frozen connections included). */
  async stop(): Promise<void> {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
