'use client';
/**
 * The user's time zone choice, shared by every component that writes a time. The inline script
 * (lib/theme/theme-script.ts) puts the stored choice on <html data-time-zone> before the page hydrates;
 * this store reads it from there and tells subscribers when the toggle (or another tab) changes it.
 */
import { useMemo, useSyncExternalStore } from 'react';
import { TIME_ZONE_STORAGE_KEY } from '@/lib/theme/theme-script';
import { isTimeZoneChoice, type TimeFormat, timeFormat, type TimeZoneChoice } from './format-time';

const listeners = new Set<() => void>();

function notify(): void {
  for (const listener of listeners) listener();
}

function onStorage(event: StorageEvent): void {
  if (event.key !== TIME_ZONE_STORAGE_KEY) return;
  document.documentElement.dataset['timeZone'] = event.newValue === 'utc' ? 'utc' : 'local';
  notify();
}

function subscribe(listener: () => void): () => void {
  if (listeners.size === 0) window.addEventListener('storage', onStorage);
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) window.removeEventListener('storage', onStorage);
  };
}

function choiceNow(): TimeZoneChoice {
  const value = document.documentElement.dataset['timeZone'];
  return isTimeZoneChoice(value) ? value : 'local';
}

/**
 * The server cannot know the browser's zone nor its locale: it renders, and the page hydrates, with a
 * fixed format (UTC, en-US) that reads the same on both sides, then React renders again with the choice.
 */
const HYDRATING = 'hydrating' as const;
const hydrating = () => HYDRATING;

/** Remembers the choice in localStorage and applies it to every time on the page. */
export function setTimeZoneChoice(choice: TimeZoneChoice): void {
  document.documentElement.dataset['timeZone'] = choice;
  try {
    localStorage.setItem(TIME_ZONE_STORAGE_KEY, choice);
  } catch {
    // Private windows may refuse storage: the choice then lasts for this page only.
  }
  notify();
}

/** The zone choice, or "hydrating" while the page is rendered on the server or hydrates. */
export function useTimeZoneChoice(): TimeZoneChoice | typeof HYDRATING {
  return useSyncExternalStore<TimeZoneChoice | typeof HYDRATING>(subscribe, choiceNow, hydrating);
}

/** How to write times now: in the chosen zone and the browser's locale. */
export function useTimeFormat(): TimeFormat {
  const choice = useTimeZoneChoice();
  return useMemo(() => (choice === HYDRATING ? timeFormat('utc', { locale: 'en-US' }) : timeFormat(choice)), [choice]);
}
