/**
 * One CRM record's sync into Siagh (a customer, a quote), run so that a failure of that record alone is recorded
 * against it and the run goes on, while one that ends the run (see failures.ts) is thrown on.
 */
import type { RunContext } from '../../jobs/types.js';
import type { FlowDeps } from './context.js';
import { endsTheRun } from './failures.js';

export abstract class RecordSync<Result, Options> {
  constructor(
    protected readonly deps: FlowDeps,
    protected readonly ctx: RunContext,
    protected readonly crmId: string,
    protected readonly options: Options,
  ) {}

  async run(): Promise<Result> {
    try {
      return await this.sync();
    } catch (error) {
      if (endsTheRun(error, this.ctx.signal)) throw error;
      return this.fail(error);
    }
  }

  protected abstract sync(): Promise<Result>;

  /** Records the failure against the record; never throws for a problem of this record alone. */
  protected abstract fail(error: unknown): Promise<Result>;
}
