import { AppNav } from './app-nav';
import { LinkBanner, LinkDot } from './link-status';
import { ThemeToggle } from './theme-toggle';
import { TimeZoneToggle } from './time-zone-toggle';

export function AppHeader() {
  return (
    <header className="app-header">
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
    </header>
  );
}
