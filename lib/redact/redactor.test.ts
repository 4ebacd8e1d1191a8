import { describe, expect, it } from 'vitest';
import { parsePythonRepr } from '@/lib/celery/python-repr';
import { decodeEventBody, type CeleryEvent, type JsonObject, type JsonValue } from '@/lib/celery';
import { redactEvent } from './task-redaction';
import { parseRedactOption } from './redact-option';
import { DEFAULT_SECRET_KEYS, MASK, Redactor } from './redactor';

const redactor = new Redactor({ keys: DEFAULT_SECRET_KEYS, patterns: [] });
const mask = (text: string) => redactor.text(text);

describe('the redactor', () => {
  it('masks the values of secret keys in kwargs reprs, whole, and keeps the repr parseable', () => {
    const kwargs = "{'user': 'ana', 'password': 'hunter2', 'DB_Password': \"it's, tricky\", 'api-key': 12345, 'credentials': {'user': 'x', 'pin': [1, 2]}, 'n': 5}";
    const masked = mask(kwargs);
    expect(masked).toBe(`{'user': 'ana', 'password': '${MASK}', 'DB_Password': "${MASK}", 'api-key': '${MASK}', 'credentials': '${MASK}', 'n': 5}`);
    const parsed = parsePythonRepr(masked);
    expect(parsed.ok && parsed.value).toEqual({ user: 'ana', password: MASK, DB_Password: MASK, 'api-key': MASK, credentials: MASK, n: 5 });
  });

  it('masks JSON, keyword arguments, query strings and header lines', () => {
    expect(mask('{"token": "abc.def", "id": 7}')).toBe(`{"token": "${MASK}", "id": 7}`);
    expect(mask("connect(host='db', password='s3cret', port=5432)")).toBe(`connect(host='db', password='${MASK}', port=5432)`);
    expect(mask('GET /cb?code=1&access_token=xyz&x=1')).toBe(`GET /cb?code=1&access_token=${MASK}&x=1`);
    expect(mask('headers:\nAuthorization: Bearer eyJhbGciOi.abc\nAccept: */*')).toBe(`headers:\nAuthorization: ${MASK}\nAccept: */*`);
  });

  it('masks URL passwords, bearer credentials and card numbers (Luhn-valid only)', () => {
    expect(mask("OperationalError('could not connect to redis://default:pa55word@cache:6379/0')")).toBe(`OperationalError('could not connect to redis://default:${MASK}@cache:6379/0')`);
    expect(mask('sent with Bearer abcdefgh12345678')).toBe(`sent with Bearer ${MASK}`);
    expect(mask("('4111 1111 1111 1111', 'order-7')")).toBe(`('${MASK}', 'order-7')`);
    expect(mask("('4111-1111-1111-1112',)")).toBe("('4111-1111-1111-1112',)");
    // Ids and timestamps are not cards.
    expect(mask('(1700000000123, 42)')).toBe('(1700000000123, 42)');
  });

  it('leaves text without secrets as the same string, and keys that merely look alike alone', () => {
    const text = "('report.pdf', {'pages': 3, 'author': 'ana'})";
    expect(mask(text)).toBe(text);
    // Keys hold a secret's name as whole words, or a word ending with it run together.
    expect(mask("{'csrftoken': 'a', 'apiKey': 'b', 'x.session_id': 'c'}")).toBe(`{'csrftoken': '${MASK}', 'apiKey': '${MASK}', 'x.session_id': '${MASK}'}`);
    for (const plain of ["{'max_tokens': 512, 'tokenizer': 'bpe'}", "{'keyword': 'x', 'passage': 'y', 'password_policy_url': None}"]) {
      expect(mask(plain)).toBe(plain.includes('password_policy') ? plain.replace("'password_policy_url': None", `'password_policy_url': '${MASK}'`) : plain);
    }
  });

  it("masks the rest of a cut repr (saferepr's ...) after a secret key", () => {
    expect(mask("{'user': 'a', 'password': 'aaaaaaaaaaaa...")).toBe(`{'user': 'a', 'password': '${MASK}'`);
  });

  it("masks the operator's own patterns and keys", () => {
    const own = new Redactor({ keys: ['pin'], patterns: [/\bEMP-\d{6}\b/] });
    expect(own.text("('EMP-123456', {'pin': 1234, 'password': 'x'})")).toBe(`('${MASK}', {'pin': '${MASK}', 'password': 'x'})`);
  });

  it('masks JSON values under secret keys, and returns the same value when nothing is secret', () => {
    const value: JsonObject = { meta: { progress: 5, api_key: 'k', nested: [{ secret: 1 }, 'redis://u:p@h'] }, n: 1 };
    expect(redactor.json(value)).toEqual({ meta: { progress: 5, api_key: MASK, nested: [{ secret: MASK }, `redis://u:${MASK}@h`] }, n: 1 });
    const clean: JsonObject = { a: [1, 'x'], b: { c: null } };
    expect(redactor.json(clean)).toBe(clean);
  });
});

describe('redactEvent', () => {
  const event = (body: JsonObject): CeleryEvent => decodeEventBody({ utcoffset: 0, pid: 1, clock: 1, hostname: 'celery@w1', timestamp: 1, uuid: 'u1', ...body }).events[0] as CeleryEvent;

  it('masks args, kwargs, results, exceptions, tracebacks and extra fields', () => {
    const received = redactEvent(redactor, event({ type: 'task-received', name: 'app.login', args: "('ana', 'token=abcdef')", kwargs: "{'password': 'x'}" })) as CeleryEvent & { args: string; kwargs: string };
    expect(received.args).toBe(`('ana', 'token=${MASK}')`);
    expect(received.kwargs).toBe(`{'password': '${MASK}'}`);
    const failed = redactEvent(redactor, event({ type: 'task-failed', exception: "AuthError('password=hunter2 rejected')", traceback: 'File "x.py"\n  login(password="hunter2")\nAuthError' })) as CeleryEvent & { exception: string; traceback: string };
    expect(failed.exception).toBe(`AuthError('password=${MASK} rejected')`);
    expect(failed.traceback).toBe(`File "x.py"\n  login(password="${MASK}")\nAuthError`);
    const custom = redactEvent(redactor, event({ type: 'task-progress', meta: { secret: 's', done: 1 } }));
    expect(custom.extra).toEqual({ uuid: 'u1', meta: { secret: MASK, done: 1 } });
  });

  it('returns the event itself when nothing is secret', () => {
    const clean = event({ type: 'task-succeeded', result: "{'ok': True}", runtime: 0.1 });
    expect(redactEvent(redactor, clean)).toBe(clean);
  });
});

describe('--redact', () => {
  it('adds key names and patterns to the defaults, commas inside a pattern included', () => {
    const parsed = parseRedactOption('pin, /EMP-\\d{3,6}/i ,x-auth');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.spec.keys).toEqual([...DEFAULT_SECRET_KEYS, 'pin', 'x-auth']);
    expect(parsed.spec.patterns.map(String)).toEqual(['/EMP-\\d{3,6}/i']);
    const own = new Redactor(parsed.spec);
    expect(own.text("('emp-1234', {'pin': 1, 'x_auth': 'y'})")).toBe(`('${MASK}', {'pin': '${MASK}', 'x_auth': '${MASK}'})`);
  });

  it('drops the defaults with none, and names what is wrong in a bad entry', () => {
    const none = parseRedactOption('none,pin');
    expect(none.ok && none.spec.keys).toEqual(['pin']);
    expect(parseRedactOption('/EMP-(/')).toEqual({ ok: false, error: expect.stringContaining('not a valid regular expression') });
    expect(parseRedactOption('/abc')).toEqual({ ok: false, error: expect.stringContaining('no closing slash') });
    expect(parseRedactOption('/abc/g')).toEqual({ ok: false, error: expect.stringContaining('flags') });
    expect(parseRedactOption('a b')).toEqual({ ok: false, error: expect.stringContaining('neither a key name') });
  });
});

describe('hostile nesting', () => {
  it('masks a secret 20 000 levels down a JSON value, and returns a deep value without one as it came', () => {
    let deep: JsonValue = { password: 'x', n: 1 };
    for (let i = 0; i < 20_000; i++) deep = i % 2 === 0 ? [deep] : { level: deep };
    let masked = redactor.json(deep);
    for (let i = 19_999; i >= 0; i--) masked = i % 2 === 0 ? (masked as JsonValue[])[0] as JsonValue : (masked as JsonObject)['level'] as JsonValue;
    expect(masked).toEqual({ password: MASK, n: 1 });
    let clean: JsonValue = 'leaf';
    for (let i = 0; i < 20_000; i++) clean = [clean];
    expect(redactor.json(clean)).toBe(clean);
  });

  it('masks in a repr nested 20 000 deep without recursion', () => {
    const repr = `{'tree': ${'['.repeat(20_000)}'leaf'${']'.repeat(20_000)}, 'token': 'abc'}`;
    expect(mask(repr)).toBe(`{'tree': ${'['.repeat(20_000)}'leaf'${']'.repeat(20_000)}, 'token': '${MASK}'}`);
  });
});
