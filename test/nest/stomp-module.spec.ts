import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { InjectStompConnection, StompConnection, StompModule, type ConnectionOptions } from '../../lib';
import { EmbeddedBroker } from '../../lib/testing';
import { Inbox } from '../support/wait';

describe('StompModule connection lifecycle', () => {
  it('reconnects after a broker outage longer than a few attempts, as the Nest transports do', async () => {
    let broker = await EmbeddedBroker.start();
    const port = broker.port;
    @Injectable()
    class Holder {
      constructor(@InjectStompConnection() readonly connection: StompConnection) {}
    }
    @Module({ imports: [StompModule.forRoot(broker.connectionOptions)], providers: [Holder] })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    try {
      const { connection } = app.get(Holder);
      const attempts = new Inbox<void>();
      const connected = new Inbox<void>();
      connection.setListener('test', { onConnecting: () => attempts.push(), onConnected: () => connected.push() });
      await broker.stop();
      // The engine's default gives up after 3 failed attempts: wait until more than that failed.
      await attempts.take(5, 20_000, 'reconnect attempts while the broker is down');
      broker = await EmbeddedBroker.start({ port });
      await connected.next(20_000, 'the reconnect once the broker is back');
      expect(connection.isConnected()).toBe(true);
    } finally {
      await app.close();
      await broker.stop();
    }
  });

  it('takes forRootAsync with useClass, useExisting and a global useFactory, and disconnects each on shutdown', async () => {
    const broker = await EmbeddedBroker.start();
    @Injectable()
    class StompConfig {
      createStompOptions(): ConnectionOptions {
        return broker.connectionOptions;
      }
    }
    @Module({ providers: [StompConfig], exports: [StompConfig] })
    class ConfigModule {}
    @Injectable()
    class GlobalUser {
      constructor(@InjectStompConnection('global') readonly connection: StompConnection) {}
    }
    @Module({ providers: [GlobalUser] })
    class FeatureModule {}
    @Injectable()
    class Users {
      constructor(
        @InjectStompConnection('byClass') readonly byClass: StompConnection,
        @InjectStompConnection('existing') readonly existing: StompConnection,
      ) {}
    }
    @Module({
      imports: [
        StompModule.forRootAsync({ name: 'byClass', useClass: StompConfig }),
        StompModule.forRootAsync({ name: 'existing', imports: [ConfigModule], useExisting: StompConfig }),
        StompModule.forRootAsync({ name: 'global', isGlobal: true, imports: [ConfigModule], inject: [StompConfig], useFactory: (config: StompConfig) => config.createStompOptions() }),
        FeatureModule,
      ],
      providers: [Users],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    try {
      const { byClass, existing } = app.get(Users);
      const { connection: global } = app.get(GlobalUser, { strict: false });
      expect(new Set([byClass, existing, global]).size).toBe(3);
      expect([byClass, existing, global].map((c) => c.isConnected())).toEqual([true, true, true]);
      await app.close();
      expect([byClass, existing, global].map((c) => c.isConnected())).toEqual([false, false, false]);
    } finally {
      await app.close();
      await broker.stop();
    }
  });
});
