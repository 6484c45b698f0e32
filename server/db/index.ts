export { openDatabase, type Database, type DatabaseHandle } from './database';
export * as tables from './schema';
