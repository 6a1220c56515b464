import { Logger, Module, type DynamicModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { StompConnection, type ConnectionOptions } from '../engine';
import { createNestConnection } from './nest-connection';
import {
  STOMP_MODULE_ASYNC_OPTIONS_TYPE,
  STOMP_MODULE_OPTIONS,
  STOMP_MODULE_OPTIONS_TYPE,
  StompConfigurableModule,
} from './stomp.module-definition';
import { getStompConnectionToken } from './stomp.tokens';

const CONNECTION_NAME = 'nestjs-stomp:connection-name';

/**
 * Provides a {@link StompConnection}, connected while the module initialises and disconnected on
 * application shutdown, injected with `@InjectStompConnection(name?)`. As with the Nest transports,
 * `reconnectAttemptsMax` defaults to `RECONNECT_FOREVER` (the start-up waits for the broker, logging
 * each failed attempt, and the connection outlives any outage) and `autoContentLength` to `'binary'`
 * (text bodies without `content-length`: a JMS `TextMessage`). A `useClass` / `useExisting` provider of `forRootAsync`
 * implements `createStompOptions()`, returning the connection options (or a Promise of them).
 * @example
 * StompModule.forRoot({ hosts: [['127.0.0.1', 61613]], login: 'guest', passcode: 'guest' })
 * StompModule.forRootAsync({ name: 'audit', imports: [ConfigModule], inject: [ConfigService], useFactory: (c) => c.get('stomp') })
 */
@Module({})
export class StompModule extends StompConfigurableModule implements OnApplicationShutdown {
  constructor(private readonly moduleRef: ModuleRef) {
    super();
  }

  static forRoot(options: typeof STOMP_MODULE_OPTIONS_TYPE): DynamicModule {
    return StompModule.withConnection(super.forRoot(options), options.name);
  }

  static forRootAsync(options: typeof STOMP_MODULE_ASYNC_OPTIONS_TYPE): DynamicModule {
    return StompModule.withConnection(super.forRootAsync(options), options.name);
  }

  private static withConnection(module: DynamicModule, name: string | undefined): DynamicModule {
    const token = getStompConnectionToken(name);
    const connection: Provider = {
      provide: token,
      inject: [STOMP_MODULE_OPTIONS],
      useFactory: async (options: ConnectionOptions & { name?: string; isGlobal?: boolean }): Promise<StompConnection> => {
        const { name: _name, isGlobal: _global, ...connectionOptions } = options;
        const conn = createNestConnection(connectionOptions, new Logger(StompModule.name));
        await conn.connect();
        return conn;
      },
    };
    return {
      ...module,
      providers: [...(module.providers ?? []), connection, { provide: CONNECTION_NAME, useValue: token }],
      exports: [...(module.exports ?? []), token],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    const token = this.moduleRef.get<string>(CONNECTION_NAME);
    await this.moduleRef.get<StompConnection>(token).disconnect().catch(() => undefined);
  }
}
