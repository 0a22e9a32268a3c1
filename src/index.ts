export * from './storage';
export * from './ordinal';
export * from './credentials';
export * from './pet-service';
export * from './redis';
export * from './network';
export * from './mysql';
export * from './zookeeper';
