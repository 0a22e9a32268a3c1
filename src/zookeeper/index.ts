export * from './stateful-zookeeper';
