'use client';
/** A small button that puts a value (a task id, a worker's hostname) on the clipboard, for ids cut or wrapped on screen. */
import { useEffect, useState } from 'react';

type Outcome = 'idle' | 'copied' | 'failed';

/**
 * The Clipboard API exists only in secure contexts: a dashboard served over plain HTTP on a LAN address
 * has none, so the old copy command on a selected, off-screen textarea is the way there.
 */
async function writeClipboard(value: string): Promise<boolean> {
  if (navigator.clipboard !== undefined && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(value);
      return true;
    } catch {
      // Refused (permissions, an unfocused document): try the old way below.
    }
  }
  const area = document.createElement('textarea');
  area.value = value;
  area.readOnly = true;
  area.className = 'copy-source';
  document.body.append(area);
  area.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    area.remove();
  }
}

export function CopyButton({ value, label, testId }: { value: string; label: string; testId?: string }) {
  const [outcome, setOutcome] = useState<Outcome>('idle');
  useEffect(() => {
    if (outcome === 'idle') return;
    const timer = setTimeout(() => setOutcome('idle'), 2000);
    return () => clearTimeout(timer);
  }, [outcome]);
  return (
    <>
      <button
        type="button"
        className="button ghost small copy-button"
        data-testid={testId}
        aria-label={`Copy the ${label}`}
        title={`Copy the ${label}: ${value}`}
        onClick={() => void writeClipboard(value).then((ok) => setOutcome(ok ? 'copied' : 'failed'))}
      >
        {outcome === 'copied' ? 'Copied' : outcome === 'failed' ? 'Copy failed' : 'Copy'}
      </button>
      <span className="sr-only" role="status">
        {outcome === 'copied' ? `The ${label} is on the clipboard` : outcome === 'failed' ? `The browser refused to copy the ${label}` : ''}
      </span>
    </>
  );
}
