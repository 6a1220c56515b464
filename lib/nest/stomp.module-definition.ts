import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { ConnectionOptions } from '../engine';

/** Extras of `StompModule.forRoot` / `forRootAsync`, beside the connection options. */
export interface StompModuleExtras {
  /** Name of the connection, for several connections in one app. @default the default connection */
  name?: string;
  /** Make the connection injectable in every module. @default false */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass: StompConfigurableModule,
  MODULE_OPTIONS_TOKEN: STOMP_MODULE_OPTIONS,
  OPTIONS_TYPE: STOMP_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: STOMP_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ConnectionOptions>({ moduleName: 'Stomp' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createStompOptions')
  .setExtras<StompModuleExtras>({ name: undefined, isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
