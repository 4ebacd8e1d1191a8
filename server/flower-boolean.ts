/**
 * A boolean as Flower (Tornado) reads flags and query parameters: true/false, 1/0, yes/no, any case.
 * One schema for the CLI's --enable-events and the API's status=/refresh=, so both accept the same words.
 */
import { z } from 'zod';

export const flowerBoolean = z.union([z.boolean(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'boolean') return value;
  const text = value.toLowerCase();
  if (text === 'true' || text === '1' || text === 'yes') return true;
  if (text === 'false' || text === '0' || text === 'no') return false;
  ctx.addIssue({ code: 'custom', message: 'expected true or false' });
  return z.NEVER;
});
