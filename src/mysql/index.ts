export * from './stateful-mysql';
