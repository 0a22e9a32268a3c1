export * from './core';
export * from './redis';
export * from './mysql';
export * from './zookeeper';
