import { AppNav } from './app-nav';
import { HistoryBanner } from './history-status';
import { LinkBanner, LinkDot } from './link-status';
import { ThemeToggle } from './theme-toggle';
import { TimeZoneToggle } from './time-zone-toggle';

/** Where the skip link lands: the layout's <main>. */
export const MAIN_ID = 'main';

export function AppHeader() {
  return (
    <header className="app-header">
      <a className="skip-link" href={`#${MAIN_ID}`} data-testid="skip-link">
        Skip to content
      </a>
      <div className="app-header-row">
        <a className="brand" href={`${process.env['NEXT_PUBLIC_POLLEN_URL_PREFIX'] ?? ''}/`}>
          <span>Pollen</span>
        </a>
        <AppNav />
        <div className="app-header-tools">
          <LinkDot />
          <TimeZoneToggle />
          <ThemeToggle />
        </div>
      </div>
      <LinkBanner />
      <HistoryBanner />
    </header>
  );
}
