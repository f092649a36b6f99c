/** The worker's pino logger: JSON by default, pretty on a terminal, secrets redacted by path and by value. */
import { pino, type Logger } from 'pino';

/** Keys that hold credentials wherever they appear in a logged object. */
export const redactPaths = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'clientSecret',
  '*.clientSecret',
  'privateKey',
  '*.privateKey',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-frappe-webhook-signature"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
];

export interface LoggerOptions {
  level?: string;
  pretty?: boolean;
  /** Secret values (keys, passwords) scrubbed from every message, whatever key they travel under. */
  secrets?: string[];
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 4);
  const pretty = options.pretty ?? (process.stdout.isTTY === true && !options.destination);
  const base: pino.LoggerOptions = {
    level: options.level ?? 'info',
    redact: { paths: redactPaths, censor: '[Redacted]' },
  };
  if (secrets.length > 0) {
    base.hooks = {
      streamWrite(line: string) {
        let out = line;
        for (const s of secrets) out = out.split(s).join('[Redacted]');
        return out;
      },
    };
  }
  if (options.destination) return pino(base, options.destination);
  if (pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
  return pino(base);
}
