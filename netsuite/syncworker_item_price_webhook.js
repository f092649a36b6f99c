/**
 * syncworker — NetSuite → OPMS price webhook (user event script on inventory and lot-numbered inventory items).
 *
 * After an item is saved with a changed base price, roll price, cost or custom roll price (or a changed "not synced
 * to OPMS" flag), posts the item's current values to syncworker, which updates OPMS within seconds. N/https does not
 * retry: a delivery that fails is only logged here, and syncworker's 15-minute incremental pass picks the edit up.
 *
 * Edits made by integrations (web services, REST, RESTlets) are not sent: they are syncworker's or another system's
 * own writes, and sending them back would start a loop. UI edits, CSV imports, mass updates and scripts are sent.
 *
 * @NApiVersion 2.1
 * @NScriptType UserEventScript
 * @NModuleScope SameAccount
 */
define(['N/https', 'N/log', 'N/runtime'], (https, log, runtime) => {
  const ITEM_TYPES = ['inventoryitem', 'lotnumberedinventoryitem'];
  const PRICE_SUBLIST = 'price1'; // price matrix of currency 1
  const SKIP_FIELD = 'custitemf3_lisa_item';
  const INTEGRATION_CONTEXTS = ['WEBSERVICES', 'RESTWEBSERVICES', 'RESTLET'];

  const parameter = (name) => runtime.getCurrentScript().getParameter({ name });

  /** Price of one price level in the first quantity column of the matrix; null when the level has no price. */
  function levelPrice(rec, priceLevelId) {
    const line = rec.findSublistLineWithValue({
      sublistId: PRICE_SUBLIST,
      fieldId: 'pricelevel',
      value: String(priceLevelId),
    });
    if (line < 0) return null;
    const value = rec.getMatrixSublistValue({ sublistId: PRICE_SUBLIST, fieldId: 'price', column: 0, line });
    return value === '' || value === null || value === undefined ? null : Number(value);
  }

  function numberOrNull(value) {
    return value === '' || value === null || value === undefined ? null : Number(value);
  }

  /** The fields syncworker maps to OPMS, named as its NETSUITE_OPMS_FIELD_MAP expects them. */
  function priceFields(rec) {
    const rollLevel = Number(parameter('custscript_syncworker_roll_price_level') || 5);
    return {
      price_1_: levelPrice(rec, 1),
      price_1_5: levelPrice(rec, rollLevel),
      cost: numberOrNull(rec.getValue({ fieldId: 'cost' })),
      custitem_f3_rollprice: numberOrNull(rec.getValue({ fieldId: 'custitem_f3_rollprice' })),
      [SKIP_FIELD]: rec.getValue({ fieldId: SKIP_FIELD }) === true,
    };
  }

  function afterSubmit(context) {
    try {
      const { type, UserEventType } = context;
      if (type !== UserEventType.EDIT && type !== UserEventType.CREATE) return;
      const rec = context.newRecord;
      if (ITEM_TYPES.indexOf(rec.type) < 0) return;
      if (INTEGRATION_CONTEXTS.indexOf(String(runtime.executionContext)) >= 0) return;

      const now = priceFields(rec);
      if (type === UserEventType.EDIT && context.oldRecord) {
        const before = priceFields(context.oldRecord);
        const changed = Object.keys(now).some((key) => now[key] !== before[key]);
        if (!changed) return;
      }

      const url = parameter('custscript_syncworker_webhook_url');
      const secret = parameter('custscript_syncworker_webhook_secret');
      if (!url || !secret) {
        log.error({
          title: 'syncworker webhook not configured',
          details: 'Set the script parameters webhook URL and secret on the deployment.',
        });
        return;
      }
      const modified = rec.getValue({ fieldId: 'lastmodifieddate' });
      const payload = {
        eventType: 'item.pricing.updated',
        source: 'netsuite_webhook',
        timestamp: new Date().toISOString(),
        itemData: Object.assign(
          {
            internalid: String(rec.id),
            itemid: String(rec.getValue({ fieldId: 'itemid' })),
            lastmodifieddate: modified instanceof Date ? modified.toISOString() : new Date().toISOString(),
          },
          now,
        ),
      };
      const response = https.post({
        url,
        body: JSON.stringify(payload),
        headers: {
          'Content-Type': 'application/json',
          Authorization: 'Bearer ' + secret,
          'User-Agent': 'NetSuite-Webhook/1.0',
        },
      });
      if (response.code !== 200) {
        log.error({
          title: 'syncworker webhook refused item ' + payload.itemData.itemid,
          details: 'HTTP ' + response.code + ': ' + String(response.body).slice(0, 500),
        });
      } else {
        log.debug({ title: 'syncworker webhook sent', details: payload.itemData.itemid });
      }
    } catch (e) {
      // Never block the user's save: the scheduled pass covers a missed delivery.
      log.error({ title: 'syncworker webhook failed', details: e && e.message ? e.message : String(e) });
    }
  }

  return { afterSubmit };
});
