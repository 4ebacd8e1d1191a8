'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';

/** The pages, Flower's routes first so that its users find them where their bookmarks point. */
const PAGES = [
  { href: '/', label: 'Overview', match: (p: string) => p === '/' },
  { href: '/workers', label: 'Workers', match: (p: string) => p.startsWith('/worker') },
  { href: '/tasks', label: 'Tasks', match: (p: string) => p === '/tasks' || p.startsWith('/task/') },
  { href: '/task-types', label: 'Task types', match: (p: string) => p.startsWith('/task-types') },
  { href: '/queues', label: 'Queues', match: (p: string) => p.startsWith('/queues') },
  { href: '/broker', label: 'Broker', match: (p: string) => p.startsWith('/broker') },
] as const;

export function AppNav() {
  const pathname = usePathname() ?? '/';
  return (
    <nav className="app-nav" aria-label="Pages">
      {PAGES.map((page) => (
        <Link key={page.href} href={page.href} className={page.match(pathname) ? 'active' : undefined} aria-current={page.match(pathname) ? 'page' : undefined}>
          {page.label}
        </Link>
      ))}
    </nav>
  );
}
