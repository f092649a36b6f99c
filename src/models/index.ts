/** Every table of the worker's database; drizzle-kit generates the migrations from this module. */
export * from './sync-runs.js';
export * from './customers.js';
