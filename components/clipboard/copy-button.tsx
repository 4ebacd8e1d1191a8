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

/** Two sheets, one over the other: the row-sized button's face (system fonts lack a copy glyph). */
function CopyIcon() {
  return (
    <svg aria-hidden="true" className="copy-icon" width="12" height="12" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.6">
      <rect x="5.5" y="5.5" width="8.5" height="8.5" rx="1.5" />
      <path d="M10.5 3.5V3a1.5 1.5 0 0 0-1.5-1.5H3A1.5 1.5 0 0 0 1.5 3v6A1.5 1.5 0 0 0 3 10.5h.5" />
    </svg>
  );
}

/**
 * `icon` draws the button as an icon for table rows, where a word per row would crowd the ids; its
 * outcome is then in its label, which screen readers and the title read.
 */
export function CopyButton({ value, label, testId, icon = false }: { value: string; label: string; testId?: string; icon?: boolean }) {
  const [outcome, setOutcome] = useState<Outcome>('idle');
  useEffect(() => {
    if (outcome === 'idle') return;
    const timer = setTimeout(() => setOutcome('idle'), 2000);
    return () => clearTimeout(timer);
  }, [outcome]);
  const said = outcome === 'copied' ? 'Copied' : outcome === 'failed' ? 'Copy failed' : 'Copy';
  return (
    <>
      <button
        type="button"
        className="button ghost small copy-button"
        data-testid={testId}
        aria-label={icon && outcome !== 'idle' ? said : `Copy the ${label}`}
        title={`Copy the ${label}: ${value}`}
        onClick={() => void writeClipboard(value).then((ok) => setOutcome(ok ? 'copied' : 'failed'))}
      >
        {icon ? (outcome === 'idle' ? <CopyIcon /> : <span aria-hidden="true">{outcome === 'copied' ? '✓' : '!'}</span>) : said}
      </button>
      <span className="sr-only" role="status">
        {outcome === 'copied' ? `The ${label} is on the clipboard` : outcome === 'failed' ? `The browser refused to copy the ${label}` : ''}
      </span>
    </>
  );
}
