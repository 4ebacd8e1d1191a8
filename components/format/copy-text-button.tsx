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
      <span aria-hidden="true">{done === 'copied' ? '✓' : done === 'failed' ? '!' : '⧉'}</span>
    </button>
  );
}
