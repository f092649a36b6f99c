/**
 * A throwaway MariaDB server for tests and benches: a fresh data directory initialised with mariadb-install-db, a
 * mariadbd bound to 127.0.0.1 on a free port, root without password, removed again on close(). Works as root (CI) and
 * as an ordinary user; needs only the Debian package mariadb-server.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';

export interface MariaDbServer {
  host: string;
  port: number;
  socket: string;
  /** mysql://root@127.0.0.1:<port>/<database> */
  url: string;
  database: string;
  close(): Promise<void>;
}

const binaries = ['/usr/sbin/mariadbd', '/usr/bin/mariadbd'];
const installers = ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db'];

function firstExisting(paths: string[], what: string): string {
  const found = paths.find((p) => existsSync(p));
  if (!found)
    throw new Error(
      `${what} not found (looked in ${paths.join(', ')}); install the Debian package mariadb-server`,
    );
  return found;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Connects as soon as the server accepts connections; that first connection is handed back for the set-up. */
async function waitUntilReady(port: number, child: ChildProcess, logFile: string): Promise<mysql.Connection> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      return await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const log = existsSync(logFile)
    ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n')
    : '(no log)';
  throw new Error(`mariadbd did not become ready on port ${port}:\n${log}`);
}

/** Starts a fresh server with an empty database `database` (default "opms"). */
export async function startMariaDb(options: { database?: string } = {}): Promise<MariaDbServer> {
  const database = options.database ?? 'opms';
  const dir = mkdtempSync(join(tmpdir(), 'sw-mariadb-'));
  const dataDir = join(dir, 'data');
  const socket = join(dir, 'mariadb.sock');
  const logFile = join(dir, 'error.log');
  const user = userInfo().username;
  const install = spawnSync(
    firstExisting(installers, 'mariadb-install-db'),
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--user=${user}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ],
    { encoding: 'utf8' },
  );
  if (install.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed: ${install.stderr || install.stdout}`);
  }
  // A port picked then released can be taken by someone else before mariadbd binds it; a second pick settles that.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      firstExisting(binaries, 'mariadbd'),
      [
        '--no-defaults',
        `--datadir=${dataDir}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--user=${user}`,
        `--pid-file=${join(dir, 'mariadbd.pid')}`,
        `--log-error=${logFile}`,
        '--innodb-buffer-pool-size=32M',
        '--skip-log-bin',
        '--character-set-server=utf8mb4',
      ],
      { stdio: 'ignore' },
    );
    let conn: mysql.Connection;
    try {
      conn = await waitUntilReady(port, child, logFile);
    } catch (error) {
      child.kill('SIGKILL');
      if (attempt < 3) continue;
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    await conn.query(`CREATE DATABASE \`${database}\``);
    await conn.end();
    // A test process that dies without close() must not leave a server behind.
    const killOnExit = () => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', killOnExit);
    return {
      host: '127.0.0.1',
      port,
      socket,
      database,
      url: `mysql://root@127.0.0.1:${port}/${database}`,
      async close() {
        process.removeListener('exit', killOnExit);
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
          if (child.exitCode === null) child.kill('SIGKILL');
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}
