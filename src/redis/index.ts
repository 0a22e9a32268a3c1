export * from './stateful-redis';
