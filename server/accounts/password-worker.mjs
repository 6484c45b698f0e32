// The entry of a password-hashing worker thread. Workers do not inherit the TypeScript loader
// their parent runs under (tsx's hooks are per thread on Node 20, and vitest transforms only its
// own module graph), so this plain JavaScript file registers tsx, then loads the TypeScript worker.
// It works the same under `tsx` (npm start, npm run haven, the bench) and under vitest.
import { register } from 'tsx/esm/api';

register();
await import('./password-worker.ts');
