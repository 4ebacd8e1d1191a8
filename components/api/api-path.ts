/**
 * Where the API and Socket.IO live as seen from the browser: behind `--url-prefix` they move with the
 * pages (Next's basePath prefixes links, not fetches, so they are prefixed here).
 */
export const URL_PREFIX = process.env['NEXT_PUBLIC_POLLEN_URL_PREFIX'] ?? '';

export type QueryParams = Readonly<Record<string, string | number | boolean | readonly string[] | null | undefined>>;

/** The parameters that are set, URL-encoded (lists repeat the key): a form body keeps empty values. */
export function encodeParams(params: QueryParams): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value as readonly string[]) search.append(key, item);
    else search.set(key, String(value));
  }
  return search.toString();
}

/** `/api/...` with the prefix and the parameters that are set; an empty filter is no filter. */
export function apiPath(path: string, params: QueryParams = {}): string {
  const query = encodeParams(Object.fromEntries(Object.entries(params).filter(([, value]) => value !== '')));
  return `${URL_PREFIX}${path}${query === '' ? '' : `?${query}`}`;
}
