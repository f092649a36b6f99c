/** What a rule reports: a problem that holds now, under a key that stays the same for as long as it lasts. */
import type { AlertRuleName } from '../config/alerts.js';
import type { AlertLink, AlertSeverity } from '../models/alerts.js';

export interface Problem {
  key: string;
  rule: AlertRuleName;
  severity: AlertSeverity;
  title: string;
  detail: string;
  links: AlertLink[];
}
