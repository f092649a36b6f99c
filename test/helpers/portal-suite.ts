/**
 * What a portal suite that drives real Chromium needs around each test: one database per database kind, its tables
 * emptied before each test (creating a database is the slowest part of a test), and a fresh data folder per test for
 * saved logins and failure artefacts. Call it inside the suite's describe; read the fields inside tests and hooks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createTestDatabase, emptyAllTables, type DatabaseKind, type TestDatabase } from './databases.js';

export interface PortalSuite {
  database: TestDatabase;
  dataDir: string;
}

export function usePortalSuite(kind: DatabaseKind, folderPrefix: string): PortalSuite {
  const suite = {} as PortalSuite;
  beforeAll(async () => {
    suite.database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await suite.database?.close();
  });
  beforeEach(async () => {
    await emptyAllTables(suite.database.db);
    suite.dataDir = mkdtempSync(join(tmpdir(), folderPrefix));
  });
  afterEach(() => {
    rmSync(suite.dataDir, { recursive: true, force: true });
  });
  return suite;
}
