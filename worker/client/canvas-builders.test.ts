import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pythonJsonDumps, type Signature, signatureToJson } from '@/lib/celery';
import { chain, chord, group, si, signature } from './canvas-builders';
import { celeryIsoDate, celeryOptions } from './send-options';

/** What Celery 5.2.6 serialises for the same canvases (fixtures/capture_canvas.py). */
const python = (JSON.parse(readFileSync(new URL('./fixtures/celery-5.2.6-client.json', import.meta.url), 'utf8')) as { signatures: Record<string, string> }).signatures;

const add = (...args: number[]) => signature('tasks.add', args);
const tsum = signature('tasks.tsum');
const dumps = (sig: Signature) => pythonJsonDumps(signatureToJson(sig));

describe('canvas builders', () => {
  it.each<[string, () => Signature]>([
    ['signature', () => add(1, 2)],
    ['si', () => si('tasks.add', [1])],
    ['chain', () => chain(add(1, 2), add(3), add(4))],
    ['chain_nested', () => chain(add(1, 2), chain(add(3), add(4)))],
    ['chain_one', () => chain(add(1, 2))],
    ['group', () => group(add(1, 1), add(2, 2))],
    ['group_nested', () => group(add(1, 1), group(add(2, 2), add(3, 3)))],
    ['chord', () => chord([add(1, 1), add(2, 2)], tsum)],
    ['chord_from_group', () => chord(group(add(1, 1), add(2, 2)), tsum)],
    ['chain_group_task', () => chain(add(1, 1), group(add(2), add(3)), tsum)],
    ['chain_group_last', () => chain(add(1, 1), group(add(2), add(3)))],
    ['chain_chord_task', () => chain(chord([add(1, 1)], tsum), add(10))],
    ['chain_single_group', () => chain(add(1, 1), group(add(2)))],
    ['chain_group_first', () => chain(group(add(1, 1), add(2, 2)), tsum)],
  ])('%s is byte for byte what Celery serialises', (name, build) => {
    expect(python[name]).toBeDefined();
    expect(dumps(build())).toBe(python[name]);
  });

  it('keeps options in Celery spelling (key order aside)', () => {
    expect(JSON.parse(dumps(signature('tasks.add', [1], { y: 2 }, { queue: 'q', countdown: 3 })))).toEqual(JSON.parse(python['signature_options']!));
  });

  it('turns every send option into its apply_async option', () => {
    const link = signature('tasks.echo');
    expect(
      celeryOptions({
        taskId: 'id-1',
        countdown: 1.5,
        eta: new Date(Date.UTC(2026, 10, 21, 13, 32, 44, 694)),
        expires: '2026-11-21T14:00:00+00:00',
        queue: 'q',
        priority: 3,
        headers: { 'x-a': 1 },
        link,
        linkError: [link, link],
        timeLimit: 30,
        softTimeLimit: 20,
        shadow: 'alias',
        ignoreResult: true,
      }),
    ).toEqual({
      task_id: 'id-1',
      countdown: 1.5,
      eta: '2026-11-21T13:32:44.694000+00:00',
      expires: '2026-11-21T14:00:00+00:00',
      queue: 'q',
      priority: 3,
      headers: { 'x-a': 1 },
      link: [signatureToJson(link)],
      link_error: [signatureToJson(link), signatureToJson(link)],
      time_limit: 30,
      soft_time_limit: 20,
      shadow: 'alias',
      ignore_result: true,
    });
    expect(celeryOptions({ expires: 60 })).toEqual({ expires: 60 });
    expect(celeryOptions({ expires: new Date(0) })).toEqual({ expires: '1970-01-01T00:00:00.000000+00:00' });
    expect(celeryOptions({})).toEqual({});
  });

  it('refuses dates and numbers Celery could not use', () => {
    expect(() => celeryOptions({ eta: 'tomorrow' })).toThrow(/eta is not an ISO-8601 date/);
    expect(() => celeryOptions({ expires: new Date(Number.NaN) })).toThrow(/invalid Date/);
    expect(() => celeryOptions({ countdown: Number.POSITIVE_INFINITY })).toThrow(/countdown must be a finite number/);
    expect(() => celeryIsoDate(new Date('x'))).toThrow(RangeError);
  });

  it('does not share arrays or objects with the caller', () => {
    const args = [1, 2];
    const kwargs = { a: 1 };
    const sig = signature('tasks.add', args, kwargs);
    args.push(3);
    kwargs.a = 2;
    expect([sig.args, sig.kwargs]).toEqual([[1, 2], { a: 1 }]);
  });
});
