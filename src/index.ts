export * from './storage';
export * from './ordinal';
export * from './credentials';
export * from './pet-service';
