/**
 * The evaluation: the problems that hold now against the open alerts. A new problem opens an alert, a problem that
 * is gone resolves its alert, one that still holds changes nothing — so each problem is announced once, however
 * often it is seen.
 */
import type { AlertRuleName } from '../config/alerts.js';
import type { Database } from '../db/database.js';
import { currentProblems, evaluatedRules, type RuleSettings } from './rules.js';
import { openAlert, openAlerts, resolveAlert, type Announce } from './store.js';

export interface EvaluationResult {
  opened: string[];
  resolved: string[];
  stillOpen: number;
}

export async function evaluateAlerts(
  db: Database,
  options: { rules: readonly AlertRuleName[]; settings: RuleSettings; announce: Announce; now?: Date },
): Promise<EvaluationResult> {
  const problems = await currentProblems(db, options.rules, options.settings, options.now ?? new Date());
  const holding = new Map(problems.map((p) => [p.key, p]));
  // Alerts of a rule that was switched off are resolved too: nobody watches them any more.
  const open = await openAlerts(db, evaluatedRules);
  const result: EvaluationResult = { opened: [], resolved: [], stillOpen: 0 };
  for (const alert of open) {
    if (holding.has(alert.key)) {
      holding.delete(alert.key);
      result.stillOpen += 1;
    } else if (await resolveAlert(db, alert.key, options.announce)) {
      result.resolved.push(alert.key);
    }
  }
  for (const problem of holding.values())
    if (await openAlert(db, problem, options.announce)) result.opened.push(problem.key);
  return result;
}
