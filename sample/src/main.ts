import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ServerStomp } from 'nestjs-stomp';
import { AppModule } from './app.module';
import { brokerOptions } from './config';
import { DemoProducer } from './demo.producer';

/**
 * Starts the orders microservice on STOMP, runs the scripted demo against it, and stops
 * (SAMPLE_KEEP_RUNNING=1 keeps it serving after the demo).
 */
async function main(): Promise<void> {
  const app = await NestFactory.createMicroservice(AppModule, { strategy: new ServerStomp(brokerOptions()) });
  app.enableShutdownHooks();
  await app.listen();
  const logger = new Logger('Sample');
  logger.log(`listening on ${process.env.STOMP_URL?.replace(/\/\/[^@]*@/, '//') ?? 'stomp://127.0.0.1:61613'}`);
  await app.get(DemoProducer).run();
  logger.log('demo finished');
  if (process.env.SAMPLE_KEEP_RUNNING !== '1') await app.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
