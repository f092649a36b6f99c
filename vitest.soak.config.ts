import { defineConfig } from 'vitest/config';

/**
 * `npm run soak`: several worker processes on one PostgreSQL, killed and restarted at random for minutes. Too long
 * and too heavy for every test run, so it is its own command (it needs DATABASE_URL).
 */
export default defineConfig({
  test: {
    include: ['test/soak/**/*.soak.ts'],
    maxWorkers: 1,
    testTimeout: 900_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
  },
});
