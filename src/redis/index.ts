export * from './props';
export * from './stateful-redis';
export * from './failover';
