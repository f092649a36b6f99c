/** The command line's help text, printed for --help and after every usage mistake. */
export const usage = `Usage: syncworker <command>

Commands:
  start                      Start the worker: job runner, schedules, control API and dashboard
  migrate                    Apply database migrations and exit
  jobs                       List the jobs, their schedules and last runs
  run <job> [--data JSON]    Run a job now in this process and print its outcome (exit 1 when it failed)
  runs [--job J] [--status S] [--limit N]
                             List recent runs
  check <system>             Test the credentials of an external system (e.g. netsuite, erpnext)
  alert test                 Send one test alert through every configured alert channel (exit 1 when one failed)
  siagh-hash                 Print SIAGH_PASSWORD_MD5 for a password typed without echo (or one line on stdin)
  payamgostar-siagh-import [--restart]
                             Import the Siagh contacts into the CRM once, with progress; run again to resume
`;
