/**
 * The JSON file that overrides parts of a portal's profile after a site change: read and parsed here for every portal,
 * so a missing file, bad JSON and invalid keys are reported the same way, naming the file and the keys to fix.
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import type { PortalName } from '../config/portals.js';
import { ProfileError } from './errors.js';

export async function readProfileOverride(portal: PortalName, file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ProfileError(
      portal,
      `it cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      file,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ProfileError(portal, `it is not JSON (${(error as Error).message})`, file);
  }
}

/** A validation failure as "key.path: what is wrong; …", in the words a person editing the file needs. */
export function profileProblems(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
}
