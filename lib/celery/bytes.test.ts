import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, textToUtf8, utf8ToText } from './bytes';

describe('base64 bodies', () => {
  it.each(['', 'YQ==', 'YWI=', 'YWJj', 'aMOpbGxvIOKckw=='])('round-trips %j', (text) => {
    const bytes = base64ToBytes(text);
    expect(bytes.ok).toBe(true);
    if (bytes.ok) expect(bytesToBase64(bytes.value)).toBe(text);
  });

  it.each(['YQ=', 'YW J', 'YW@j', 'Y===', 'YQ==YWJj', '=YWJ', 'YWJj\n'])('rejects %j instead of skipping characters', (text) => {
    expect(base64ToBytes(text)).toMatchObject({ ok: false, error: { code: 'syntax' } });
  });
});

describe('UTF-8 text', () => {
  it('is strict: invalid sequences are an error, not U+FFFD', () => {
    expect(utf8ToText(textToUtf8('héllo ✓'))).toEqual({ ok: true, value: 'héllo ✓' });
    expect(utf8ToText(new Uint8Array([0x68, 0xff]))).toMatchObject({ ok: false, error: { code: 'syntax' } });
  });
});
