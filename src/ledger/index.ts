/** The inventory ledger: what portal syncs and connectors call to store documents and post stock. */
export * from './documents.js';
export {
  adjustStock,
  reconcileBalances,
  type AdjustmentInput,
  type AdjustmentResult,
  type ReconcileResult,
} from './balances.js';
export { DocumentRejectedError, ItemNotFoundError } from './errors.js';
export {
  mapAlias,
  normaliseCode,
  resolveItems,
  upsertItem,
  type AliasMapping,
  type ItemInput,
} from './items.js';
export { postStock, type PostStockOptions, type PostStockResult } from './posting.js';
export { defaultPostingRules, postingRulesFrom, type PostingRules } from './posting-rules.js';
export { listInventory, type InventoryFilter, type InventoryRow } from './inventory-queries.js';
export {
  flagUnlistedCounts,
  upsertCatalogueItem,
  catalogueItemInputSchema,
  type CatalogueItemInput,
} from './catalogue.js';
export { driftReport, type DriftOptions, type DriftReason, type DriftRow } from './drift.js';
