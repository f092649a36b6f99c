/**
 * A record a parser could not read, for every portal: kept with its HTML and the reason, reported on the run and
 * never stored. `Where` says which record it was, in the portal's own terms (an invoice number, an order and its
 * place on the page).
 */
export type Quarantined<Where extends object> = Where & { reason: string; html: string };
