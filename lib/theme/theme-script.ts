/**
 * The one inline script the dashboard runs: before the first paint it puts the user's stored choices on
 * <html>, `data-theme` (so a dark page never flashes light) and `data-time-zone` (so times are written
 * in the chosen zone from the first render after hydration). The page's Content-Security-Policy allows
 * it by its SHA-256 hash (server/http/security-headers.ts hashes this very string), so this text is the
 * single source of both.
 */

/** Where the theme toggle keeps the user's choice. */
export const THEME_STORAGE_KEY = 'pollen-theme';

/** Where the time zone toggle keeps the user's choice: `utc`, or `local` (the default). */
export const TIME_ZONE_STORAGE_KEY = 'pollen-time-zone';

/** Sets `data-theme` (the stored choice, else the system's) and `data-time-zone` on <html>; runs inline in <head>. */
export const THEME_SCRIPT =
  `try{var t=localStorage.getItem('${THEME_STORAGE_KEY}');if(t!=='light'&&t!=='dark')t=matchMedia('(prefers-color-scheme: dark)').matches?'dark':'light';document.documentElement.dataset.theme=t}catch(e){}` +
  `try{document.documentElement.dataset.timeZone=localStorage.getItem('${TIME_ZONE_STORAGE_KEY}')==='utc'?'utc':'local'}catch(e){}`;
