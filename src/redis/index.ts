export * from './props';
export * from './stateful-redis';
