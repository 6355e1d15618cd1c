import { validateContact } from './politeness.js';

export interface ContactSources {
  /** From the command line (--contact); wins over the others. */
  flag?: string;
  /** The environment; COMMONSYNTH_CONTACT is read from it. */
  env?: NodeJS.ProcessEnv;
  /** From a config file's "contact". */
  config?: string;
}

/**
 * The contact for the User-Agent, from --contact, then COMMONSYNTH_CONTACT, then the config
 * file. Throws MissingContactError when none is given or it is unusable.
 */
export function resolveContact(sources: ContactSources): string {
  const fromEnv = sources.env?.COMMONSYNTH_CONTACT;
  const chosen = [sources.flag, fromEnv, sources.config].find(
    (value) => value !== undefined && value.trim() !== '',
  );
  return validateContact(chosen);
}
