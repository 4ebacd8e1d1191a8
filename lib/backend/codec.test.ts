import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeGroupMeta, pythonRepr } from '@/lib/celery';
import { chordError, exceptionRepr } from './chord-error';
import { chordKeys, encodeChordMember, encodeGroup, groupKey, MalformedResultError, parseScore, readChordMember, readCounter, taskKey } from './codec';

interface Command {
  readonly argv: string[];
}

function captured(broker: 'redis' | 'amqp'): Command[] {
  const text = readFileSync(new URL(`../../test/fixtures/celery-5.2/${broker}/backend.jsonl`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Command);
}

describe.each(['redis', 'amqp'] as const)("Celery's chord bookkeeping (%s run)", (broker) => {
  const commands = captured(broker);

  it('encodes every captured ZADD member byte for byte', () => {
    const zadds = commands.filter((c) => c.argv[0] === 'ZADD');
    expect(zadds.length).toBeGreaterThanOrEqual(3);
    for (const { argv } of zadds) {
      const [, key = '', score = '', member = ''] = argv;
      const groupId = key.slice('celery-taskset-meta-'.length, -'.j'.length);
      expect(key).toBe(chordKeys(groupId).parts);
      const part = readChordMember(groupId, key, member, parseScore(score));
      expect(encodeChordMember(part)).toBe(member);
      expect(String(part.groupIndex)).toBe(score);
    }
  });

  it('names the keys as Celery does', () => {
    const size = commands.find((c) => c.argv[0] === 'SETEX' && (c.argv[1] ?? '').endsWith('.s'));
    const groupId = (size?.argv[1] ?? '').slice('celery-taskset-meta-'.length, -2);
    expect(size?.argv).toEqual(['SETEX', chordKeys(groupId).size, '86400', '3']);
    const expires = commands.filter((c) => c.argv[0] === 'EXPIRE' && c.argv[1]?.includes(groupId)).map((c) => c.argv[1]);
    expect(expires.slice(0, 3)).toEqual([chordKeys(groupId).parts, chordKeys(groupId).added, chordKeys(groupId).size]);
    expect(taskKey('x')).toBe('celery-task-meta-x');
    expect(groupKey('g')).toBe('celery-taskset-meta-g');
  });
});

describe('stored values', () => {
  it('writes a group as GroupResult.save() does, and reads it back', () => {
    const text = encodeGroup({ groupId: 'g1', taskIds: ['a', 'b'] });
    expect(text).toBe('{"result": [["g1", null], [[["a", null], null], [["b", null], null]]]}');
    expect(decodeGroupMeta(text)).toEqual({ ok: true, value: { groupId: 'g1', taskIds: ['a', 'b'] } });
  });

  it('encodes failed parts with the exception object', () => {
    const member = encodeChordMember({
      groupId: 'g', groupIndex: 1, taskId: 't', state: 'FAILURE', result: { exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' },
    });
    expect(member).toBe('[1, "t", "FAILURE", {"exc_type": "ValueError", "exc_message": ["boom"], "exc_module": "builtins"}]');
  });

  it('turns malformed members and counters into a MalformedResultError naming the key', () => {
    expect(() => readChordMember('g', 'k.j', 'not json', 0)).toThrow(MalformedResultError);
    expect(() => readChordMember('g', 'k.j', '[1, "t", "SUCCESS"]', 0)).toThrow(/k\.j.*chord part/);
    expect(() => readChordMember('g', 'k.j', '{"a": 1}', 0)).toThrow(MalformedResultError);
    expect(() => readCounter('k.s', 'two')).toThrow(/k\.s.*integer/);
    expect(readCounter('k.s', '3')).toBe(3);
    expect(readCounter('k.t', null)).toBeNull();
    expect(parseScore('inf')).toBe(Infinity);
    expect(parseScore('2')).toBe(2);
  });
});

describe("Python's repr, as a ChordError message shows it", () => {
  it.each([
    ['boom', "'boom'"],
    ["it's", `"it's"`],
    ['a\nb', "'a\\nb'"],
    ['a\'b"c', "'a\\'b\"c'"],
    ['é', "'é'"],
    ['\x00', "'\\x00'"],
    ['\u2028', "'\\u2028'"],
    ['\u{1F600}', "'\u{1F600}'"],
    ['\xa0', "'\\xa0'"],
    ['tab\there', "'tab\\there'"],
    ['back\\slash', "'back\\\\slash'"],
    ['\x7f', "'\\x7f'"],
    ['\u200b', "'\\u200b'"],
  ])('repr(%j) is %s', (value, expected) => {
    expect(pythonRepr(value)).toBe(expected);
  });

  it('writes containers, None and booleans as Python does', () => {
    expect(pythonRepr([1, 'x', null, true, 1.5, { k: [false] }])).toBe("[1, 'x', None, True, 1.5, {'k': [False]}]");
  });

  it('writes exceptions as BaseException.__repr__', () => {
    const exc = (message: unknown) => ({ exc_type: 'ValueError', exc_message: message as never, exc_module: 'builtins' });
    expect(exceptionRepr(exc(['boom']))).toBe("ValueError('boom')");
    expect(exceptionRepr(exc([]))).toBe('ValueError()');
    expect(exceptionRepr(exc(['a', 1]))).toBe("ValueError('a', 1)");
    expect(exceptionRepr(exc('plain'))).toBe("ValueError('plain')");
    expect(exceptionRepr({ exc_type: 'Outer.Inner', exc_message: ['x'], exc_module: 'm' })).toBe("Inner('x')");
  });

  it('names the first failed part in header order', () => {
    const part = (i: number, state: string, result: unknown) => ({ groupId: 'g', groupIndex: i, taskId: `t${i}`, state, result: result as never });
    expect(chordError({ parts: [part(0, 'SUCCESS', 1), part(1, 'SUCCESS', 2)] })).toBeNull();
    const join = {
      parts: [
        part(0, 'SUCCESS', 1),
        part(1, 'REVOKED', { exc_type: 'TaskRevokedError', exc_message: ['revoked'], exc_module: 'celery.exceptions' }),
        part(2, 'FAILURE', { exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' }),
      ],
    };
    expect(chordError(join)).toEqual({ type: 'ChordError', module: 'celery.exceptions', message: ["Dependency t1 raised TaskRevokedError('revoked')"] });
  });
});
