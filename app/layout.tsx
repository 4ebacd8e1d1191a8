import type { Metadata } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { QueryProvider } from '@/components/api/query-provider';
import { AppHeader, MAIN_ID } from '@/components/layout/app-header';
import { NotListeningNotice } from '@/components/layout/history-status';
import { THEME_SCRIPT } from '@/lib/theme/theme-script';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Pollen', template: '%s · Pollen' },
  description: 'Real-time monitoring and control for Celery clusters',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page is rendered per request: the server's Content-Security-Policy carries a fresh nonce
  // (server/http/security-headers.ts) that Next stamps on its own scripts, which a page prerendered at
  // build time could not carry. The theme script below is allowed by its hash instead.
  await connection();
  return (
    // The theme script sets data-theme before React hydrates: the attribute differs from the server's.
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body>
        <QueryProvider>
          <AppHeader />
          <main className="page" id={MAIN_ID} tabIndex={-1}>
            <NotListeningNotice />
            {children}
          </main>
        </QueryProvider>
      </body>
    </html>
  );
}
