'use client';
import { useQuery } from '@tanstack/react-query';
import type { Session } from '@/lib/api/session';
import { loadSession } from './api-client';

/** Who the page runs as and whether controls are open (read-only mode or no auth closes them). */
export function useSession(): { session: Session | null; controlsEnabled: boolean; readOnly: boolean } {
  const { data } = useQuery({ queryKey: ['session'], queryFn: loadSession, staleTime: Infinity });
  return { session: data ?? null, controlsEnabled: data?.controlsEnabled ?? false, readOnly: data?.readOnly ?? false };
}
