import { defineConfig } from 'drizzle-kit';

// Generates versioned SQL migrations from server/db/schema.ts; the same files migrate PostgreSQL and PGlite.
export default defineConfig({
  dialect: 'postgresql',
  schema: './server/db/schema.ts',
  out: './server/db/migrations',
});
