export * from './props';
export * from './stateful-zookeeper';
