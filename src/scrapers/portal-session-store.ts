/**
 * Portal login state (cookies and local storage) kept on disk between runs, so a scheduled run does not log in every
 * time. The file holds a live session, so it is readable by the worker's user only (0600, in a 0700 folder).
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright';
import { z } from 'zod';

export type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;

const savedSessionSchema = z.object({
  /** Login state of another portal address or account is never reused. */
  origin: z.string(),
  username: z.string(),
  savedAt: z.iso.datetime(),
  storageState: z.object({ cookies: z.array(z.unknown()), origins: z.array(z.unknown()) }).passthrough(),
});

export interface PortalSessionStore {
  readonly path: string;
  /** The saved state when it belongs to this origin and account and is younger than maxAgeMs; else undefined. */
  load(
    who: { origin: string; username: string },
    maxAgeMs: number,
    now?: Date,
  ): Promise<StorageState | undefined>;
  save(who: { origin: string; username: string }, storageState: StorageState, now?: Date): Promise<void>;
  /** Forgets the session, e.g. after the portal refused it. */
  clear(): Promise<void>;
}

export function portalSessionStore(dataDir: string, portal: string): PortalSessionStore {
  const dir = join(dataDir, 'sessions');
  const path = join(dir, `${portal}.json`);
  return {
    path,
    async load(who, maxAgeMs, now = new Date()) {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch {
        return undefined;
      }
      let parsed: z.infer<typeof savedSessionSchema>;
      try {
        parsed = savedSessionSchema.parse(JSON.parse(text));
      } catch {
        // A damaged file is only a lost login: log in again and overwrite it.
        return undefined;
      }
      if (parsed.origin !== who.origin || parsed.username !== who.username) return undefined;
      if (now.getTime() - Date.parse(parsed.savedAt) > maxAgeMs) return undefined;
      return parsed.storageState as StorageState;
    },
    async save(who, storageState, now = new Date()) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const body = JSON.stringify({
        origin: who.origin,
        username: who.username,
        savedAt: now.toISOString(),
        storageState,
      });
      // Written under a temporary name then renamed, so a crash never leaves half a file that looks like a session.
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, body, { mode: 0o600 });
      await chmod(temporary, 0o600);
      await rename(temporary, path);
    },
    async clear() {
      await rm(path, { force: true });
    },
  };
}
