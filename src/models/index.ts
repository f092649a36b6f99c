/** Every table of the worker's database; drizzle-kit generates the migrations from this module. */
export * from './sync-runs.js';
export * from './items.js';
export * from './purchase-orders.js';
export * from './sales-invoices.js';
export * from './stock.js';
export * from './customers.js';
export * from './netsuite-opms.js';
export * from './job-leases.js';
export * from './alerts.js';
export * from './netsuite-records.js';
export * from './payamgostar-siagh.js';
export * from './portal-item-counts.js';
