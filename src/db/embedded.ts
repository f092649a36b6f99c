/**
 * The embedded PostgreSQL: PGlite with its files under DATA_DIR, served over a loopback socket so that `pg`, Drizzle
 * and Agenda reach it exactly as they reach a real server.
 *
 * PGlite has one backend, so every connection's messages are run on it one at a time. What must never happen is that
 * one connection's messages land in the middle of another's unit of work: inside an open transaction, or inside an
 * extended-protocol exchange (Parse, Bind, Describe, Execute … up to Sync), where the unnamed statement and portal
 * belong to whoever sent them. The off-the-shelf socket server only guards transactions and so mixed concurrent
 * parameterised queries (failed or wrong results); this server gives the backend to one connection from the first
 * message of such a unit until it is over.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { PGlite } from '@electric-sql/pglite';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const sslRequestCode = 80877103;
const cancelRequestCode = 80877102;
const protocolVersion3 = 196608;
/** Extended-protocol messages after which the backend expects more of the same exchange, up to a Sync. */
const extendedProtocol = new Set(['P', 'B', 'D', 'E', 'C', 'H']);
const syncMessage = new Uint8Array([0x53, 0, 0, 0, 4]);

/** A simple-protocol Query message. */
function queryMessage(text: string): Uint8Array {
  const body = Buffer.from(`${text}\0`, 'utf8');
  const message = Buffer.alloc(5 + body.length);
  message.write('Q', 0, 'ascii');
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return new Uint8Array(message);
}
const rollbackMessage = queryMessage('ROLLBACK');

interface Connection {
  socket: net.Socket;
  buffer: Buffer;
  /** Inside an extended-protocol exchange that has not reached its Sync yet. */
  inExchange: boolean;
  closed: boolean;
}

interface Pending {
  connection: Connection;
  message: Uint8Array;
}

/** Messages of one connection run in one call; the last one's type tells where its exchange stands. */
interface Unit extends Pending {
  lastType: string;
}

const typeOf = (message: Uint8Array) => String.fromCharCode(message[0]!);

/** Splits complete frontend messages off the front of a buffer; answers SSL and cancel requests itself. */
function takeMessages(connection: Connection): Uint8Array[] {
  const messages: Uint8Array[] = [];
  for (;;) {
    const buf = connection.buffer;
    if (buf.length < 5) break;
    const untypedLength = buf.readInt32BE(0);
    const code = buf.length >= 8 ? buf.readInt32BE(4) : -1;
    if (untypedLength === 8 && (code === sslRequestCode || code === cancelRequestCode)) {
      // No TLS on a loopback socket; cancellation is not supported by PGlite.
      if (code === sslRequestCode) connection.socket.write('N');
      connection.buffer = buf.subarray(8);
      continue;
    }
    const untyped = code === protocolVersion3;
    const length = untyped ? untypedLength : 1 + buf.readInt32BE(1);
    if (buf.length < length) break;
    messages.push(new Uint8Array(buf.subarray(0, length)));
    connection.buffer = buf.subarray(length);
  }
  return messages;
}

class SerialisingServer {
  private readonly pending: Pending[] = [];
  /** The connection that holds the backend for the rest of its transaction or exchange. */
  private owner: Connection | undefined;
  private draining = false;
  private readonly server: net.Server;

  constructor(private readonly db: PGlite) {
    this.server = net.createServer((socket) => this.attach(socket));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as net.AddressInfo).port));
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private attach(socket: net.Socket): void {
    socket.setNoDelay(true);
    const connection: Connection = { socket, buffer: Buffer.alloc(0), inExchange: false, closed: false };
    socket.on('data', (chunk: Buffer) => {
      connection.buffer = connection.buffer.length === 0 ? chunk : Buffer.concat([connection.buffer, chunk]);
      for (const message of takeMessages(connection)) {
        if (message[0] === 0x58 /* X: Terminate */) {
          socket.end();
          continue;
        }
        this.pending.push({ connection, message });
      }
      void this.drain();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      connection.closed = true;
      void this.drain();
    });
  }

  /**
   * The next unit to run: a connection's message and, while it is part of an extended-protocol exchange, the messages
   * of the same connection that follow it up to the exchange's Sync. The backend takes them in one call, as a server
   * reads them from one packet, instead of one call a message: a statement is five messages (Parse, Bind, Describe,
   * Execute, Sync), and each call has a cost of its own. Transactions of two statements took about a quarter less
   * CPU this way (0.7 ms against 1 ms each, in a loop of 1,000).
   */
  private next(): Unit | undefined {
    const owner = this.owner;
    const index = owner ? this.pending.findIndex((p) => p.connection === owner) : 0;
    const first = index >= 0 ? this.pending.splice(index, 1)[0] : undefined;
    if (!first) return undefined;
    const messages = [first.message];
    let lastType = typeOf(first.message);
    for (let i = index; extendedProtocol.has(lastType) && i < this.pending.length;) {
      if (this.pending[i]!.connection !== first.connection) {
        i += 1;
        continue;
      }
      const message = this.pending.splice(i, 1)[0]!.message;
      messages.push(message);
      lastType = typeOf(message);
    }
    const message = messages.length === 1 ? first.message : new Uint8Array(Buffer.concat(messages));
    return { connection: first.connection, message, lastType };
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (;;) {
        if (this.owner?.closed) await this.release(this.owner);
        const item = this.next();
        if (!item) break;
        if (item.connection.closed) continue;
        await this.run(item);
      }
    } finally {
      this.draining = false;
    }
  }

  private async run({ connection, message, lastType: type }: Unit): Promise<void> {
    try {
      await this.db.runExclusive(() =>
        this.db.execProtocolRawStream(message, {
          onRawData: (data) => {
            // A copy: PGlite hands over a view of memory it reuses, and a busy socket sends later than write()
            // returns, so a large result (tens of thousands of rows) arrived with later bytes written over it.
            if (!connection.closed && data.length > 0) connection.socket.write(Buffer.from(data));
          },
        }),
      );
    } catch {
      connection.socket.destroy();
    }
    if (extendedProtocol.has(type)) connection.inExchange = true;
    else if (type === 'S' || type === 'Q') connection.inExchange = false;
    this.owner = connection.inExchange || this.db.isInTransaction() ? connection : undefined;
  }

  /** A connection that left in the middle of its unit: end its exchange and roll back what it left open. */
  private async release(connection: Connection): Promise<void> {
    this.owner = undefined;
    // Raw protocol only: exec() would wait for the very lock runExclusive holds.
    await this.db.runExclusive(async () => {
      if (connection.inExchange) await this.db.execProtocolRaw(syncMessage);
      if (this.db.isInTransaction()) await this.db.execProtocolRaw(rollbackMessage);
    });
    connection.inExchange = false;
  }
}

/**
 * PostgreSQL's default of 128 MB of shared buffers is all touched when PGlite starts (about 150 MB more resident
 * memory for the worker's whole life, measured by bench/footprint.bench.ts). A worker's ledger is small and its
 * files are in the operating system's cache anyway, so a quarter of that loses nothing that shows.
 */
const sharedBuffers = '32MB';

/** dataDir undefined: an in-memory database (tests). */
export async function startEmbeddedDatabase(options: { dataDir?: string }): Promise<EmbeddedDatabase> {
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    // PGlite keeps initdb's memory for as long as the instance that created the cluster lives (about 450 MB more
    // resident memory for the worker's whole life). Creating the cluster with a throwaway instance avoids it.
    if (!existsSync(join(options.dataDir, 'PG_VERSION')))
      await (await PGlite.create({ dataDir: options.dataDir })).close();
  }
  const db = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffers}`],
  });
  const server = new SerialisingServer(db);
  const port = await server.listen();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    async stop() {
      await server.close();
      await db.close();
    },
  };
}
