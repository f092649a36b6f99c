/**
 * The embedded PostgreSQL: PGlite with its files under DATA_DIR, served over a loopback socket so that `pg`, Drizzle
 * and Agenda reach it exactly as they reach a real server. PGlite has one backend; the socket server multiplexes our
 * connections onto it and keeps a transaction's statements together, so concurrent writers are serialised, not mixed.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** dataDir undefined: an in-memory database (tests). */
export async function startEmbeddedDatabase(options: {
  dataDir?: string;
  maxConnections?: number;
}): Promise<EmbeddedDatabase> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {});
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: 0,
    maxConnections: options.maxConnections ?? 32,
  });
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgres://postgres@${address}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
