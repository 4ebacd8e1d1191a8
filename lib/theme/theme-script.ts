/**
 * The one inline script the dashboard runs: it sets `data-theme` on <html> before the first paint, so a
 * dark page never flashes light. The page's Content-Security-Policy allows it by its SHA-256 hash
 * (server/http/security-headers.ts hashes this very string), so this text is the single source of both.
 */

/** Where the theme toggle keeps the user's choice. */
export const THEME_STORAGE_KEY = 'pollen-theme';

/** Sets `data-theme` on <html> from the stored choice, else the system's; runs inline in <head>. */
export const THEME_SCRIPT = `try{var t=localStorage.getItem('${THEME_STORAGE_KEY}');if(t!=='light'&&t!=='dark')t=matchMedia('(prefers-color-scheme: dark)').matches?'dark':'light';document.documentElement.dataset.theme=t}catch(e){}`;
