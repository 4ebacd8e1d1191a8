/**
 * `--redact`: what is masked besides the defaults, as a comma-separated list. An entry is a key name
 * (`pin`, `x-internal-auth`), or a pattern between slashes masked wherever it matches (`/EMP-\d{6}/`,
 * flags after the closing slash: `/acct-\d+/i`; a comma inside a pattern is its own). `none` drops the
 * defaults (DEFAULT_SECRET_KEYS and the card, URL-password and bearer rules stay, being no key's).
 */
import { DEFAULT_SECRET_KEYS, type RedactionSpec } from './redactor';

export type RedactOption = { readonly ok: true; readonly spec: RedactionSpec } | { readonly ok: false; readonly error: string };

const PATTERN = /^\/(.+)\/([a-z]*)$/s;

export function parseRedactOption(text: string): RedactOption {
  const keys: string[] = [];
  const patterns: RegExp[] = [];
  let defaults = true;
  const entries = text.split(',');
  for (let i = 0; i < entries.length; i++) {
    let entry = (entries[i] as string).trim();
    if (entry === '') continue;
    if (entry.startsWith('/')) {
      // A pattern runs to the entry that ends it with a slash (and flags), commas and all.
      while (!PATTERN.test(entry.trim()) && i + 1 < entries.length) entry += `,${entries[++i] as string}`;
      const match = PATTERN.exec(entry.trim());
      if (match === null) return { ok: false, error: `the pattern ${JSON.stringify(entry)} has no closing slash: write it as /pattern/ or /pattern/i` };
      const flags = match[2] as string;
      if (/[^imsu]/.test(flags)) return { ok: false, error: `the pattern ${JSON.stringify(entry)} has flags Pollen does not take: only i, m, s and u` };
      try {
        patterns.push(new RegExp(match[1] as string, flags));
      } catch (err) {
        return { ok: false, error: `the pattern ${JSON.stringify(entry)} is not a valid regular expression (${(err as Error).message})` };
      }
      continue;
    }
    if (entry.toLowerCase() === 'none') {
      defaults = false;
      continue;
    }
    if (!/^[\w.-]{2,64}$/.test(entry)) return { ok: false, error: `${JSON.stringify(entry)} is neither a key name (letters, digits, _ . -) nor a /pattern/` };
    keys.push(entry);
  }
  return { ok: true, spec: { keys: defaults ? [...DEFAULT_SECRET_KEYS, ...keys] : keys, patterns } };
}
