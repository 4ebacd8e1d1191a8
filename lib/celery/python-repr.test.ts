import { describe, expect, it } from 'vitest';
import { BROKERS, captured, decodeCaptured, flatEvents, must, storedResults } from '@/test/fixtures/celery-5.2/captures';
import { decodeTaskMeta } from './result-meta';
import { parseExceptionRepr, parsePythonRepr, type ReprOptions } from './python-repr';
import { decodeTaskMessage } from './task-message';

const parse = (text: string, options?: ReprOptions) => parsePythonRepr(text, options);

describe('literals', () => {
  it.each([
    ['(2, 3)', [2, 3]],
    ['(1,)', [1]],
    ['()', []],
    ['(7)', 7],
    ['[]', []],
    ["{'k': [1, 2], 'n': None}", { k: [1, 2], n: null }],
    ['{}', {}],
    ['{1, 2}', [1, 2]],
    ['set()', []],
    ['frozenset({1, 2})', [1, 2]],
    ['frozenset()', []],
    ['True', true],
    ['(False, None)', [false, null]],
    ['-42', -42],
    ['3.25', 3.25],
    ['-1.5e-07', -1.5e-7],
    ['1e+20', 1e20],
    ['9007199254740991', 9007199254740991],
    ["(1, 'héllo ✓')", [1, 'héllo ✓']],
    ["{3: 'int key', 1.5: 'float key', True: 't', None: 'n'}", { '3': 'int key', '1.5': 'float key', true: 't', null: 'n' }],
    ["{'a': {'b': {'c': [1, (2, 3)]}}}", { a: { b: { c: [1, [2, 3]] } } }],
    ['  [1 ,2 ]  ', [1, 2]],
  ])('%s', (text, value) => {
    expect(parse(text)).toEqual({ ok: true, value });
  });

  it('reads a dict key named __proto__ as data', () => {
    const result = parse("{'__proto__': {'polluted': 1}}");
    expect(result.ok && JSON.stringify(result.value)).toBe('{"__proto__":{"polluted":1}}');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe("strings as Celery's saferepr writes them", () => {
  it.each([
    ["'it\\'s'", "it's"],
    ["'C:\\path\\n'", 'C:\\path\\n'],
    ["'a\nb\tc'", 'a\nb\tc'],
    ["'say \"hi\"'", 'say "hi"'],
    ["'\\\\''", "\\'"],
    ["b'bytes'", 'bytes'],
    // saferepr leaves a trailing backslash unescaped, so `\'` may close the string: both readings are tried.
    ["('C:\\dir\\', 'x')", ['C:\\dir\\', 'x']],
    ["{'a\\': 1, 'it\\'s': 2}", { 'a\\': 1, "it's": 2 }],
  ])('%s', (text, value) => {
    expect(parse(text)).toEqual({ ok: true, value });
  });
});

describe("strings as Python's repr writes them", () => {
  it.each([
    ['"it\'s"', "it's"],
    ["'a\\nb\\t\\x00\\\\'", 'a\nb\t\u0000\\'],
    ["'\\u00e9\\U0001f600'", 'é😀'],
    ["'\\101\\7'", 'A\u0007'],
    ["'\\d'", '\\d'],
    ["b'\\xc3\\xa9'", 'é'],
  ])('%s', (text, value) => {
    expect(parse(text, { flavour: 'repr' })).toEqual({ ok: true, value });
  });

  it('reports bytes that are not text', () => {
    expect(parse("b'\\xff'", { flavour: 'repr' })).toMatchObject({ ok: false, error: { code: 'unrepresentable' } });
  });
});

describe('datetime, Decimal and UUID, as kombu serialises them', () => {
  it.each([
    ['datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.timezone.utc)', '2024-01-02T03:04:05.123456Z'],
    ['datetime.datetime(2024, 1, 2, 3, 4)', '2024-01-02T03:04:00'],
    ['datetime.datetime(2024, 1, 2, 3, 4, tzinfo=datetime.timezone(datetime.timedelta(seconds=19800)))', '2024-01-02T03:04:00+05:30'],
    ['datetime.datetime(2024, 1, 2, 3, 4, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=72000), \'EST\'))', '2024-01-02T03:04:00-04:00'],
    ["datetime.datetime(2024, 7, 2, 3, 4, tzinfo=zoneinfo.ZoneInfo(key='Europe/Paris'))", '2024-07-02T03:04:00+02:00'],
    ["datetime.datetime(2024, 1, 2, 3, 4, tzinfo=zoneinfo.ZoneInfo(key='Europe/Paris'))", '2024-01-02T03:04:00+01:00'],
    ['datetime.datetime(2024, 1, 2, 0, 0, tzinfo=<UTC>)', '2024-01-02T00:00:00Z'],
    ["datetime.datetime(2024, 1, 2, 0, 0, tzinfo=<DstTzInfo 'America/New_York' EST-1 day, 19:00:00 STD>)", '2024-01-02T00:00:00-05:00'],
    ['datetime.date(2024, 2, 29)', '2024-02-29'],
    ['datetime.time(13, 5, 0, 250)', '13:05:00.000250'],
    ["Decimal('1.50')", '1.50'],
    ["UUID('6F1E2D3C-0000-4000-8000-000000000005')", '6f1e2d3c-0000-4000-8000-000000000005'],
  ])('%s', (text, value) => {
    expect(parse(text)).toEqual({ ok: true, value });
  });

  it('returns kombu 5.3 tagged values on request, so Python decodes them to the same types', () => {
    expect(parse("[datetime.datetime(2024, 1, 2, 0, 0, tzinfo=datetime.timezone.utc), Decimal('2'), UUID('6f1e2d3c-0000-4000-8000-000000000005')]", { types: 'kombu-tagged' })).toEqual({
      ok: true,
      value: [
        { __type__: 'datetime', __value__: '2024-01-02T00:00:00+00:00' },
        { __type__: 'decimal', __value__: '2' },
        { __type__: 'uuid', __value__: { hex: '6f1e2d3c000040008000000000000005', version: 4 } },
      ],
    });
  });

  it.each([
    ['datetime.datetime(2023, 2, 29)', 'syntax'],
    ['datetime.datetime(2024, 13, 1)', 'syntax'],
    ['datetime.timedelta(seconds=5)', 'unrepresentable'],
    ["datetime.datetime(2024, 1, 2, tzinfo=zoneinfo.ZoneInfo(key='Mars/Olympus'))", 'syntax'],
    ["UUID('nope')", 'syntax'],
  ])('rejects %s', (text, code) => {
    expect(parse(text)).toMatchObject({ ok: false, error: { code } });
  });
});

describe('what saferepr cut is reported, not guessed', () => {
  it.each([
    ["('a', 'b...', ...)", 'truncated'],
    ['[[[[...]]]]', 'truncated'],
    ['([[[...]]],)', 'truncated'],
    ['[0, 1, 2, , ...]', 'truncated'],
    ["{'k': [1, 2], 'n': None, 3: 4...., ...}", 'truncated'],
    ['100000000000000000000000000000...', 'truncated'],
    ['datetime.datetime(2024, 1, 2,...', 'truncated'],
    ["'unclosed", 'truncated'],
    ['(1, 2', 'truncated'],
    ["{'a': ", 'truncated'],
    ["{'9': None, 'EAQ', ...}", 'truncated'],
    ['([None], None..., ...)', 'truncated'],
    ["['', -6.577751717349352e-..., ...]", 'truncated'],
    ['[True, -..., ...]', 'truncated'],
  ])('%s', (text, code) => {
    expect(parse(text)).toMatchObject({ ok: false, error: { code } });
  });

  it('says where the cut is', () => {
    expect(parse("('abc', 'tail...')")).toMatchObject({ ok: false, error: { code: 'truncated', offset: 8 } });
  });
});

describe('what is not a literal is reported', () => {
  it.each([
    ['<object object at 0x7f36554e1060>', 'not-literal'],
    ['[1, <function f at 0x1>]', 'not-literal'],
    ['Point(x=1, y=2)', 'not-literal'],
    ['os.system', 'not-literal'],
    ["__import__('os').system('rm -rf /')", 'not-literal'],
    ['Ellipsis', 'not-literal'],
    ['inf', 'unrepresentable'],
    ['[nan]', 'unrepresentable'],
    ['-inf', 'unrepresentable'],
    ['1j', 'unrepresentable'],
    ['12345678901234567890', 'unrepresentable'],
    ["{(1, 2): 'tuple key'}", 'unrepresentable'],
    ["b'ff00'", 'ambiguous'],
    ['(1 2)', 'syntax'],
    ['[1,, 2]', 'syntax'],
    ['1 2', 'syntax'],
    ['', 'truncated'],
    ['@', 'syntax'],
    ['1.2.3', 'syntax'],
  ])('%s -> %s', (text, code) => {
    expect(parse(text)).toMatchObject({ ok: false, error: { code } });
  });
});

describe('hostile input', () => {
  it('bounds nesting instead of exhausting the stack', () => {
    expect(parse('['.repeat(100_000))).toMatchObject({ ok: false, error: { code: 'too-deep' } });
    expect(parse(`${'('.repeat(150)}1${')'.repeat(150)}`)).toEqual({ ok: true, value: 1 });
  });

  it('parses a megabyte of input in linear time', () => {
    const big = `[${Array.from({ length: 100_000 }, (_, i) => `'item ${i}'`).join(', ')}]`;
    const started = performance.now();
    const result = parse(big);
    expect(result.ok && Array.isArray(result.value) && result.value.length).toBe(100_000);
    // Generous: a quadratic parser takes minutes here.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('fails fast on unclosed angle brackets and long names', () => {
    expect(parse(`<${'x'.repeat(1_000_000)}`)).toMatchObject({ ok: false, error: { code: 'not-literal' } });
    expect(parse('a.'.repeat(100_000))).toMatchObject({ ok: false });
  });
});

describe('exception reprs', () => {
  it.each([
    ["ValueError('boom')", { type: 'ValueError', args: ['boom'], argsError: null }],
    ["NotRegistered('tasks.does_not_exist')", { type: 'NotRegistered', args: ['tasks.does_not_exist'], argsError: null }],
    ['AttributeError("\'TaskPool\' object has no attribute \'grow\'")', { type: 'AttributeError', args: ["'TaskPool' object has no attribute 'grow'"], argsError: null }],
    ['ExceptionWithTraceback()', { type: 'ExceptionWithTraceback', args: [], argsError: null }],
    ['Terminated(15)', { type: 'Terminated', args: [15], argsError: null }],
    ["myapp.errors.Oops('x', 2)", { type: 'myapp.errors.Oops', args: ['x', 2], argsError: null }],
  ])('%s', (text, value) => {
    expect(parseExceptionRepr(text)).toEqual({ ok: true, value });
  });

  it('keeps the type when the arguments are not literals', () => {
    expect(parseExceptionRepr('ValidationError(<Form at 0x1>)')).toMatchObject({ ok: true, value: { type: 'ValidationError', args: null, argsError: { code: 'not-literal' } } });
    expect(parseExceptionRepr('not an exception')).toMatchObject({ ok: false, error: { code: 'syntax' } });
  });
});

describe.each(BROKERS)('every repr in the %s captures', (broker) => {
  it('argsrepr and kwargsrepr parse to the args and kwargs the message carried', () => {
    for (const c of captured(broker, 'task-messages')) {
      const task = must(decodeTaskMessage(must(decodeCaptured(c))));
      expect(parse(task.argsrepr ?? '')).toEqual({ ok: true, value: task.args });
      expect(parse(task.kwargsrepr ?? '')).toEqual({ ok: true, value: task.kwargs });
    }
  });

  it('task-succeeded results parse to the result the backend stored', () => {
    const stored = new Map(storedResults(broker).map((s) => [s.key.slice('celery-task-meta-'.length), must(decodeTaskMeta(s.json))]));
    let compared = 0;
    for (const { event } of flatEvents(broker)) {
      if (event['type'] !== 'task-succeeded') continue;
      const meta = stored.get(event['uuid'] as string);
      if (!meta || meta.status !== 'SUCCESS') continue;
      expect(parse(event['result'] as string)).toEqual({ ok: true, value: meta.result });
      compared++;
    }
    expect(compared).toBeGreaterThan(10);
  });

  it('task-failed exceptions parse to the type the backend stored', () => {
    const stored = new Map(storedResults(broker).map((s) => [s.key.slice('celery-task-meta-'.length), must(decodeTaskMeta(s.json))]));
    for (const { event } of flatEvents(broker)) {
      if (event['type'] !== 'task-failed') continue;
      const parsed = parseExceptionRepr(event['exception'] as string);
      expect(parsed.ok).toBe(true);
      const meta = stored.get(event['uuid'] as string);
      // Celery 5.2's solo pool reports ExceptionWithTraceback() instead of the exception (CELERY-WIRE.md §5.4).
      if (parsed.ok && meta?.exception && parsed.value.type !== 'ExceptionWithTraceback') {
        expect(parsed.value.type).toBe(meta.exception.type);
        expect(parsed.value.args).toEqual(meta.exception.message);
      }
    }
  });
});
