import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { EmbeddedBroker, type EmbeddedBrokerOptions } from './embedded-broker';

/** DI token of the embedded broker's engine `ConnectionOptions` (`hosts`, and credentials when `users` were given). */
export const STOMP_TESTING_OPTIONS = 'nestjs-stomp:testing:options';
/** DI token of the embedded broker's URL, `stomp://127.0.0.1:PORT` (with the first user's `LOGIN:PASSCODE@` when `users` were given). */
export const STOMP_TESTING_URL = 'nestjs-stomp:testing:url';

/**
 * Starts an {@link EmbeddedBroker} on a random port for a Nest app under test, and stops it on
 * application shutdown (`app.close()`). Global: anywhere in the app, inject the broker by its class,
 * its connection options with `@Inject(STOMP_TESTING_OPTIONS)` (e.g. for `StompModule.forRootAsync`
 * or `ClientsModule.registerAsync`), or its URL with `@Inject(STOMP_TESTING_URL)`.
 * For development and tests only, never production.
 * @example
 * const testing = await NestFactory.createApplicationContext(StompTestingModule.forRoot());
 * const stomp = testing.get<ConnectionOptions>(STOMP_TESTING_OPTIONS);
 * const app = await NestFactory.createMicroservice(AppModule, { strategy: new ServerStomp(stomp) });
 */
@Module({})
export class StompTestingModule implements OnApplicationShutdown {
  constructor(@Inject(EmbeddedBroker) private readonly broker: EmbeddedBroker) {}

  /** The module, with a broker started from `options` (its port random unless given). */
  static forRoot(options: EmbeddedBrokerOptions = {}): DynamicModule {
    return {
      module: StompTestingModule,
      global: true,
      providers: [
        { provide: EmbeddedBroker, useFactory: () => EmbeddedBroker.start(options) },
        { provide: STOMP_TESTING_OPTIONS, inject: [EmbeddedBroker], useFactory: (broker: EmbeddedBroker) => broker.connectionOptions },
        { provide: STOMP_TESTING_URL, inject: [EmbeddedBroker], useFactory: (broker: EmbeddedBroker) => broker.url },
      ],
      exports: [EmbeddedBroker, STOMP_TESTING_OPTIONS, STOMP_TESTING_URL],
    };
  }

  /** Stops the broker when the app closes (`app.close()`, or a signal with `enableShutdownHooks()`). */
  async onApplicationShutdown(): Promise<void> {
    await this.broker.stop();
  }
}
