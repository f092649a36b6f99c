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

/**
 * Profiles whose file names the date format (`formats.date`). The built-in default is a guess until a list page
 * proves it; a format a person wrote in the file is their word for it, so a list whose dates never tell day from
 * month is read in it (see crawl/date-evidence.ts). Kept beside the profile rather than in it, so the profile stays
 * exactly what its schema says; a copy of the profile is not vouched for, which errs on the safe side.
 */
const dateFormatNamedInFile = new WeakSet<object>();

/** Notes that the profile just built from a file's `override` has its date format named by the file. */
export function noteDateFormatNamedInFile(profile: object, override: unknown): void {
  const formats = (override as { formats?: { date?: unknown } } | null)?.formats;
  if (typeof formats === 'object' && formats !== null && formats.date !== undefined) {
    dateFormatNamedInFile.add(profile);
  }
}

/** Whether the profile was loaded from a file that names its date format. */
export function isDateFormatNamedInFile(profile: object): boolean {
  return dateFormatNamedInFile.has(profile);
}
