'use client';
/**
 * A small button that copies a text (a task id) and says so. Touch screens have no hover, so a cut id
 * needs this to be taken whole. navigator.clipboard exists only in a secure context (https, or
 * localhost); a dashboard on http://host:5555 copies through a selected, hidden textarea instead.
 */
import { useEffect, useState } from 'react';

async function copy(text: string): Promise<boolean> {
  if (window.isSecureContext && navigator.clipboard !== undefined) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Denied (no permission, or the page not focused): try the old way.
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  try {
    return document.execCommand('copy');
  } finally {
    area.remove();
  }
}

/** Two sheets, one over the other (system fonts lack a copy glyph). */
function CopyIcon() {
  return (
    <svg aria-hidden="true" width="12" height="12" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.6" style={{ verticalAlign: '-1px' }}>
      <rect x="5.5" y="5.5" width="8.5" height="8.5" rx="1.5" />
      <path d="M10.5 3.5V3a1.5 1.5 0 0 0-1.5-1.5H3A1.5 1.5 0 0 0 1.5 3v6A1.5 1.5 0 0 0 3 10.5h.5" />
    </svg>
  );
}

export function CopyTextButton({ text, label, className }: { text: string; label: string; className?: string }) {
  const [done, setDone] = useState<'copied' | 'failed' | null>(null);
  useEffect(() => {
    if (done === null) return;
    const timer = setTimeout(() => setDone(null), 1500);
    return () => clearTimeout(timer);
  }, [done]);
  const said = done === 'copied' ? 'Copied' : done === 'failed' ? 'Copy failed: select the text instead' : label;
  return (
    <button
      type="button"
      className={`button ghost small ${className ?? ''}`}
      aria-label={said}
      title={said}
      data-testid="copy-text"
      onClick={() => void copy(text).then((ok) => setDone(ok ? 'copied' : 'failed'))}
    >
      {done === 'copied' ? <span aria-hidden="true">✓</span> : done === 'failed' ? <span aria-hidden="true">!</span> : <CopyIcon />}
    </button>
  );
}
