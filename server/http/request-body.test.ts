import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { mergeFields, readBody } from './request-body';

function request(body: string, headers: Record<string, string> = {}, method = 'POST'): IncomingMessage {
  const stream = Readable.from([Buffer.from(body)]) as unknown as IncomingMessage;
  Object.assign(stream, { method, headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } });
  return stream;
}

describe('request bodies', () => {
  it('reads a form body as Tornado reads arguments', async () => {
    const result = await readBody(request('terminate=true&signal=SIGKILL', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }));
    expect(result).toEqual({ ok: true, body: { form: { terminate: 'true', signal: 'SIGKILL' }, json: undefined } });
  });

  it('reads JSON, also when curl -d sent it with the form content type (Flower reads apply bodies as JSON)', async () => {
    expect(await readBody(request('{"args": [1, 2]}', { 'content-type': 'application/json' }))).toEqual({ ok: true, body: { form: {}, json: { args: [1, 2] } } });
    expect(await readBody(request('{"args": [3]}', { 'content-type': 'application/x-www-form-urlencoded' }))).toEqual({ ok: true, body: { form: {}, json: { args: [3] } } });
  });

  it('answers 400 for malformed JSON, 413 past the limit, 415 for other types', async () => {
    const bad = await readBody(request('{"args": [1,', { 'content-type': 'application/json' }));
    expect(bad.ok === false && bad.response.status).toBe(400);
    expect(bad.ok === false && JSON.stringify(bad.response.body)).toContain('body: invalid JSON');
    const big = await readBody(request('x'.repeat(2000), { 'content-type': 'text/plain' }), 1000);
    expect(big.ok === false && big.response.status).toBe(413);
    const lying = await readBody(request('x'.repeat(2000), { 'content-type': 'text/plain', 'content-length': '10' }), 1000);
    expect(lying.ok === false && lying.response.status).toBe(413);
    const multipart = await readBody(request('--x\r\n', { 'content-type': 'multipart/form-data; boundary=x' }));
    expect(multipart.ok === false && multipart.response.status).toBe(415);
  });

  it('reads nothing for GET and empty bodies', async () => {
    expect(await readBody(request('', {}, 'GET'))).toEqual({ ok: true, body: { form: {}, json: undefined } });
    expect(await readBody(request('  '))).toEqual({ ok: true, body: { form: {}, json: undefined } });
  });

  it('merges query, form and JSON object keys, later wins, without touching prototypes', () => {
    const fields = mergeFields(new URLSearchParams('n=1&a=q'), { form: { n: '2' }, json: { n: 3, __proto__: { polluted: true } } });
    expect(fields['n']).toBe(3);
    expect(fields['a']).toBe('q');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const fromJsonText = mergeFields(new URLSearchParams(), { form: {}, json: JSON.parse('{"__proto__": {"x": 1}}') as unknown });
    expect(Object.keys(fromJsonText)).toEqual(['__proto__']);
  });
});
