/** The OPMS tables the price sync touches, created and seeded in a test MariaDB with configurable names. */
import mysql from 'mysql2/promise';
import { defaultOpmsTables, type OpmsTables } from '../../../src/connectors/opms/settings.js';

/** MySQL's own identifier quoting, written here rather than shared so the simulator does not agree with our bugs. */
const ident = (name: string) => `\`${name.replace(/`/g, '``')}\``;

export interface OpmsSeedItem {
  code: string;
  productId: number;
  p_res_cut?: number;
  p_hosp_roll?: number;
  cost_cut?: number;
  cost_roll?: number;
}

export async function createOpmsSchema(url: string, schema: OpmsTables = defaultOpmsTables): Promise<void> {
  const conn = await mysql.createConnection({ uri: url, multipleStatements: true });
  try {
    await conn.query(`
      CREATE TABLE ${ident(schema.item.table)} (
        id INT AUTO_INCREMENT PRIMARY KEY,
        ${ident(schema.item.product)} INT NOT NULL,
        ${ident(schema.item.code)} VARCHAR(64) NOT NULL UNIQUE,
        name VARCHAR(255) NULL,
        KEY item_product (${ident(schema.item.product)})
      ) ENGINE=InnoDB;
      CREATE TABLE ${ident(schema.price.table)} (
        ${ident(schema.price.product)} INT NOT NULL PRIMARY KEY,
        p_res_cut DECIMAL(10,2) NULL,
        p_hosp_roll DECIMAL(10,2) NULL,
        p_dealer_cut DECIMAL(10,2) NULL,
        date_modif TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
      ) ENGINE=InnoDB;
      CREATE TABLE ${ident(schema.cost.table)} (
        ${ident(schema.cost.product)} INT NOT NULL PRIMARY KEY,
        cost_cut DECIMAL(10,2) NULL,
        cost_roll DECIMAL(10,2) NULL,
        date_modif TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
      ) ENGINE=InnoDB;`);
  } finally {
    await conn.end();
  }
}

export async function seedOpmsItems(
  url: string,
  items: OpmsSeedItem[],
  schema: OpmsTables = defaultOpmsTables,
): Promise<void> {
  const conn = await mysql.createConnection({ uri: url });
  try {
    for (let i = 0; i < items.length; i += 1000) {
      const chunk = items.slice(i, i + 1000);
      await conn.query(
        `INSERT INTO ${ident(schema.item.table)} (${ident(schema.item.product)}, ${ident(schema.item.code)}) VALUES ?`,
        [chunk.map((it) => [it.productId, it.code])],
      );
      const products = [...new Map(chunk.map((it) => [it.productId, it])).values()];
      const prices = products.filter((it) => it.p_res_cut !== undefined || it.p_hosp_roll !== undefined);
      if (prices.length > 0)
        await conn.query(
          `INSERT IGNORE INTO ${ident(schema.price.table)} (${ident(schema.price.product)}, p_res_cut, p_hosp_roll) VALUES ?`,
          [prices.map((it) => [it.productId, it.p_res_cut ?? null, it.p_hosp_roll ?? null])],
        );
      const costs = products.filter((it) => it.cost_cut !== undefined || it.cost_roll !== undefined);
      if (costs.length > 0)
        await conn.query(
          `INSERT IGNORE INTO ${ident(schema.cost.table)} (${ident(schema.cost.product)}, cost_cut, cost_roll) VALUES ?`,
          [costs.map((it) => [it.productId, it.cost_cut ?? null, it.cost_roll ?? null])],
        );
    }
  } finally {
    await conn.end();
  }
}

/** Current OPMS values of one item, as the sync would see them. */
export async function opmsValuesOf(
  url: string,
  code: string,
  schema: OpmsTables = defaultOpmsTables,
): Promise<Record<string, string | null> | undefined> {
  const conn = await mysql.createConnection({ uri: url });
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT p.p_res_cut, p.p_hosp_roll, c.cost_cut, c.cost_roll FROM ${ident(schema.item.table)} i
       LEFT JOIN ${ident(schema.price.table)} p ON p.${ident(schema.price.product)} = i.${ident(schema.item.product)}
       LEFT JOIN ${ident(schema.cost.table)} c ON c.${ident(schema.cost.product)} = i.${ident(schema.item.product)}
       WHERE i.${ident(schema.item.code)} = ?`,
      [code],
    );
    return rows[0];
  } finally {
    await conn.end();
  }
}
