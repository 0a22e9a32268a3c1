// The core every product composes: PetService and what every pet shares.
export * from './storage';
export * from './ordinal';
export * from './credentials';
export * from './pet-service';
export * from './network';
export * from './pet-service-props';
export * from './product-props';
export * from './product';
