export * from './stateful-mysql-props';
export * from './stateful-mysql';
