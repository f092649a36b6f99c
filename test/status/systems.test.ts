/** A system's state from its runs and its schedule: stale when its last success is older than a few periods. */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { syncRuns } from '../../src/models/index.js';
import { systemStatuses, type SystemInputs } from '../../src/status/systems.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { flowsFeature } from './status-fixture.js';

const hour = 3_600_000;

describe.each(databaseKinds)('system states on %s', (kind) => {
  let database: TestDatabase;
  afterEach(async () => database?.close());

  async function inputs(now: Date, lastRunAgoHours: number): Promise<SystemInputs> {
    const feature = await flowsFeature({} as never);
    return {
      config: loadConfig({}),
      db: database.db,
      jobs: feature.jobs!,
      checks: feature.connections!,
      now,
      staleAfterPeriods: 3,
      schedules: [
        {
          name: 'routestar.sync',
          lastRunAt: new Date(now.getTime() - lastRunAgoHours * hour),
          nextRunAt: new Date(now.getTime() - lastRunAgoHours * hour + hour),
        },
      ],
    };
  }

  it('is stale when the last success is older than three schedule periods, healthy within them', async () => {
    database = await createTestDatabase(kind);
    const now = new Date();
    const finishedAt = new Date(now.getTime() - 5 * hour);
    await database.db
      .insert(syncRuns)
      .values({ job: 'routestar.sync', trigger: 'schedule', status: 'succeeded', finishedAt });
    const stale = (await systemStatuses(await inputs(now, 0.5))).find((s) => s.name === 'RouteStar')!;
    expect(stale.state).toBe('stale');
    expect(stale.detail).toContain('No successful run for 300 minutes');
    expect(stale.lastSuccess?.at.getTime()).toBe(finishedAt.getTime());

    const later = new Date(now.getTime() - 3 * hour);
    const healthy = (await systemStatuses(await inputs(later, 0.5))).find((s) => s.name === 'RouteStar')!;
    expect(healthy.state).toBe('healthy');
  });

  it('is stale when its schedule has run for longer than three periods without any success', async () => {
    database = await createTestDatabase(kind);
    const [row] = (await systemStatuses(await inputs(new Date(), 4))).filter((s) => s.name === 'RouteStar');
    expect(row?.state).toBe('stale');
    expect(row?.lastSuccess).toBeNull();
  });
});
