'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';

/** The pages, Flower's routes first so that its users find them where their bookmarks point. */
const PAGES = [
  { href: '/', label: 'Overview', match: (p: string) => p === '/' },
  { href: '/workers', label: 'Workers', match: (p: string) => p.startsWith('/worker') },
  { href: '/tasks', label: 'Tasks', match: (p: string) => p === '/tasks' || p.startsWith('/task/') },
  { href: '/task-types', label: 'Task types', match: (p: string) => p.startsWith('/task-types') },
  { href: '/queues', label: 'Queues', match: (p: string) => p.startsWith('/queues') },
  { href: '/broker', label: 'Broker', match: (p: string) => p.startsWith('/broker') },
] as const;

const LINKS_ID = 'app-nav-links';

/**
 * The page links. On a wide screen they sit in the header; on a narrow one (globals.css) the Menu button
 * shows them below it, and they fold again on navigation, on Escape and on a click elsewhere.
 */
export function AppNav() {
  const pathname = usePathname() ?? '/';
  const [open, setOpen] = useState(false);
  const navRef = useRef<HTMLElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);

  useEffect(() => setOpen(false), [pathname]);
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      buttonRef.current?.focus();
    };
    const onPointer = (event: PointerEvent) => {
      if (!navRef.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);

  return (
    <nav className="app-nav" aria-label="Pages" ref={navRef}>
      <button ref={buttonRef} type="button" className="button ghost app-nav-toggle" data-testid="nav-menu" aria-expanded={open} aria-controls={LINKS_ID} onClick={() => setOpen(!open)}>
        <span aria-hidden="true">☰ </span>Menu
      </button>
      <div id={LINKS_ID} className={open ? 'app-nav-links open' : 'app-nav-links'}>
        {PAGES.map((page) => (
          <Link key={page.href} href={page.href} className={page.match(pathname) ? 'active' : undefined} aria-current={page.match(pathname) ? 'page' : undefined} onClick={() => setOpen(false)}>
            {page.label}
          </Link>
        ))}
      </div>
    </nav>
  );
}
