/**
 * Stand-ins for where alerts go, real servers on loopback: an SMTP server (the smtp-server package, with AUTH) that
 * keeps every message it accepts, and an HTTP server answering like a Slack incoming webhook — or failing, or never
 * answering, to stand for a channel that is down.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  user: string | undefined;
  from: string;
  to: string[];
  subject: string;
  body: string;
  raw: string;
}

/** Undoes quoted-printable transfer encoding, which nodemailer uses for long lines. */
function decodeQuotedPrintable(text: string): string {
  const bytes = text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function parseMail(raw: string): { subject: string; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const subject = /^Subject: (.*)$/im.exec(headers)?.[1] ?? '';
  const body = raw.slice(split + 4);
  return {
    subject,
    body: /Content-Transfer-Encoding: quoted-printable/i.test(headers) ? decodeQuotedPrintable(body) : body,
  };
}

export async function startSmtpServer(credentials: { user: string; pass: string }) {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === credentials.user && auth.password === credentials.pass)
        callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({
          user: session.user as string | undefined,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          ...parseMail(raw),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    mails,
    url: `smtp://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type SlackMode = 'ok' | 'down' | 'hang';

export async function startSlackWebhook(token: string) {
  const messages: { text: string }[] = [];
  const hanging: ServerResponse[] = [];
  const state = { mode: 'ok' as SlackMode, requests: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests += 1;
      if (req.method !== 'POST' || req.url !== `/services/${token}`) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('no_service');
      } else if (state.mode === 'hang') {
        hanging.push(res);
      } else if (state.mode === 'down') {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal_error');
      } else if (req.headers['content-type'] !== 'application/json') {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
      } else {
        messages.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text: string });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    messages,
    state,
    url: `http://127.0.0.1:${port}/services/${token}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
