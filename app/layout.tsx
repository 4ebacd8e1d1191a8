import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { QueryProvider } from '@/components/api/query-provider';
import { AppHeader } from '@/components/layout/app-header';
import { THEME_SCRIPT } from '@/components/layout/theme-toggle';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Pollen', template: '%s · Pollen' },
  description: 'Real-time monitoring and control for Celery clusters',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // The theme script sets data-theme before React hydrates: the attribute differs from the server's.
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body>
        <QueryProvider>
          <AppHeader />
          <main className="page">{children}</main>
        </QueryProvider>
      </body>
    </html>
  );
}
