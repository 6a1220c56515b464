export * from './stomp.health-indicator';
