// The whole database schema, one file per domain; drizzle-kit generates migrations from this index.
export * from './schema-core';
export * from './schema-children';
export * from './schema-shares';
export * from './schema-keys';
export * from './schema-messages';
export * from './schema-offending';
export * from './schema-retention';
export * from './schema-jobs';
export * from './schema-integrity';
export * from './schema-notifications';
export * from './schema-attachments';
