import { describe, expect, it } from 'vitest';
import { BROKERS, captured, decodeCaptured, must, v1TaskMessages } from '@/test/fixtures/celery-5.2/captures';
import { textToUtf8 } from './bytes';
import type { JsonObject, JsonValue } from './json';
import { type CeleryMessage, NO_PROPERTIES } from './message';
import { decodeTaskMessage, encodeTaskMessage, newTaskMessage, type TaskMessage } from './task-message';

function tasks(broker: (typeof BROKERS)[number]): { task: TaskMessage; message: CeleryMessage; body: JsonValue }[] {
  return captured(broker, 'task-messages').map((c) => {
    const message = must(decodeCaptured(c));
    return { task: must(decodeTaskMessage(message)), message, body: c.raw.body_decoded as JsonValue };
  });
}

describe.each(BROKERS)('task messages captured on %s', (broker) => {
  const all = tasks(broker);

  it('decodes every captured message to its headers and [args, kwargs, embed]', () => {
    expect(all).toHaveLength(25);
    for (const { task, message, body } of all) {
      const [args, kwargs] = body as [JsonValue[], JsonObject];
      const h = message.headers;
      expect(task).toMatchObject({
        protocol: 2,
        id: h['id'],
        name: h['task'],
        args,
        kwargs,
        argsrepr: h['argsrepr'],
        kwargsrepr: h['kwargsrepr'],
        eta: h['eta'],
        expires: h['expires'],
        group: h['group'],
        groupIndex: h['group_index'],
        retries: h['retries'],
        rootId: h['root_id'],
        parentId: h['parent_id'],
        origin: h['origin'],
        lang: 'py',
        ignoreResult: false,
        extraHeaders: null,
        extraBody: null,
      });
      expect(task.properties.correlationId).toBe(task.id);
    }
  });

  it('keeps a chain in wire order: the last signature runs next', () => {
    const head = all.find((t) => t.task.chain?.length === 2)?.task;
    expect(head?.args).toEqual([1, 2]);
    expect(head?.chain?.map((s) => s.args)).toEqual([[4], [3]]);
    expect(head?.chain?.[1]).toMatchObject({ task: 'tasks.add', subtaskType: null, immutable: false });
    expect(typeof head?.chain?.[1]?.options['task_id']).toBe('string');
  });

  it('reads chord header tasks with their body and position', () => {
    const header = all.filter((t) => t.task.chord !== null).map((t) => t.task);
    expect(header.map((t) => t.groupIndex)).toEqual([0, 1, 2]);
    expect(new Set(header.map((t) => t.chord?.task))).toEqual(new Set(['tasks.tsum']));
    expect(new Set(header.map((t) => t.group)).size).toBe(1);
  });

  it('reads ETA, expiry and retries', () => {
    expect(all.some((t) => t.task.eta?.endsWith('+00:00'))).toBe(true);
    expect(all.some((t) => t.task.expires !== null)).toBe(true);
    expect(all.some((t) => t.task.retries === 1 && t.task.parentId === t.task.id)).toBe(true);
  });

  it('encodes what it decoded back to an equal message', () => {
    for (const { task, message } of all) {
      const again = encodeTaskMessage(task);
      expect(again.headers).toEqual(message.headers);
      expect(JSON.parse(new TextDecoder().decode(again.body))).toEqual(JSON.parse(new TextDecoder().decode(message.body)));
      expect(again.contentType).toBe(message.contentType);
      expect(again.properties.correlationId).toBe(task.id);
      expect(must(decodeTaskMessage(again))).toEqual({ ...task, properties: again.properties });
    }
  });

  it('writes the body exactly as Python json.dumps does', () => {
    for (const { task, message } of all) {
      expect(new TextDecoder().decode(encodeTaskMessage(task).body)).toBe(new TextDecoder().decode(message.body));
    }
  });
});

describe('AMQP task properties', () => {
  it('reads an absent priority as absent (messages to a named queue had none)', () => {
    const priorities = tasks('amqp').map((t) => t.task.properties.priority);
    expect(priorities).toContain(null);
    expect(priorities).toContain(0);
  });
});

describe('protocol v1 (made by Celery as_task_v1)', () => {
  const decoded = v1TaskMessages().map((f) => {
    const message: CeleryMessage = {
      body: textToUtf8(f.body),
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      headers: f.headers,
      properties: { ...NO_PROPERTIES, correlationId: f.properties.correlation_id, replyTo: f.properties.reply_to },
      delivery: null,
    };
    return { fixture: f, task: must(decodeTaskMessage(message)) };
  });

  it('decodes the fields of the body', () => {
    const [add, echo, chordPart] = decoded.map((d) => d.task);
    expect(add).toMatchObject({ protocol: 1, name: 'tasks.add', args: [2, 3], kwargs: {}, retries: 0, utc: true, argsrepr: null });
    expect(echo).toMatchObject({
      args: [1, 'héllo ✓'],
      kwargs: { k: [1, 2], n: null },
      retries: 2,
      eta: '2026-11-21T13:32:44.694168+00:00',
      expires: '2026-11-21T14:00:00+00:00',
      timeLimit: { hard: 30, soft: 20 },
    });
    expect(chordPart).toMatchObject({ group: '9a0c1e44-1111-4c1a-8f00-000000000001', groupIndex: 0 });
    expect(chordPart?.chord?.task).toBe('tasks.tsum');
    expect(chordPart?.callbacks?.[0]).toMatchObject({ task: 'tasks.log', args: ['done'] });
  });

  it('encodes v1 back to the body Celery made', () => {
    for (const { fixture, task } of decoded) {
      const again = encodeTaskMessage(task);
      expect(again.headers).toEqual({});
      expect(new TextDecoder().decode(again.body)).toBe(fixture.body);
    }
  });
});

describe('new task messages', () => {
  it('fill in Celery defaults and saferepr of the arguments', () => {
    const task = newTaskMessage({ id: 'id-1', name: 'tasks.add', args: [2, 3], kwargs: { x: 'y' } });
    expect(task).toMatchObject({ rootId: 'id-1', retries: 0, argsrepr: '(2, 3)', kwargsrepr: "{'x': 'y'}", lang: 'js' });
    const headers = encodeTaskMessage(task).headers;
    expect(Object.keys(headers)).toEqual([
      'lang', 'task', 'id', 'shadow', 'eta', 'expires', 'group', 'group_index', 'retries', 'timelimit', 'root_id',
      'parent_id', 'argsrepr', 'kwargsrepr', 'origin', 'ignore_result',
    ]);
    expect(headers['timelimit']).toEqual([null, null]);
  });

  it('keeps headers newer Celery adds (stamps) through a round trip', () => {
    const task = newTaskMessage({ id: 'id-2', name: 't', extraHeaders: { stamped_headers: ['k'], stamps: { k: 'v' } } });
    const back = must(decodeTaskMessage(encodeTaskMessage(task)));
    expect(back.extraHeaders).toEqual({ stamped_headers: ['k'], stamps: { k: 'v' } });
  });
});

describe('malformed task messages', () => {
  const message = (body: string, headers: JsonObject = { task: 't', id: 'i' }, contentType = 'application/json'): CeleryMessage => ({
    body: textToUtf8(body),
    contentType,
    contentEncoding: 'utf-8',
    headers,
    properties: NO_PROPERTIES,
    delivery: null,
  });
  it.each([
    ['a pickle body', message('x', undefined, 'application/x-python-serialize'), 'unsupported', '$.content_type'],
    ['a body that is not JSON', message('[[1], {}'), 'syntax', '$.body'],
    ['a body of two items', message('[[], {}]'), 'invalid', '$.body'],
    ['args that are an object', message('[{}, {}, {}]'), 'invalid', '$.body[0]'],
    ['kwargs that are a list', message('[[], [], {}]'), 'invalid', '$.body[1]'],
    ['an id that is a number', message('[[], {}, {}]', { task: 't', id: 5 }), 'invalid', '$.headers.id'],
    ['retries that are text', message('[[], {}, {}]', { task: 't', id: 'i', retries: 'two' }), 'invalid', '$.headers.retries'],
    ['a timelimit of one number', message('[[], {}, {}]', { task: 't', id: 'i', timelimit: [1] }), 'invalid', '$.headers.timelimit'],
    ['a chain that is not a list', message('[[], {}, {"chain": {}}]'), 'invalid', '$.body[2].chain'],
    ['a chain step without a task name', message('[[], {}, {"chain": [{"args": []}]}]'), 'missing', '$.body[2].chain[0].task'],
    ['a v2 body without a task header', message('[[], {}, {}]', {}), 'missing', '$.headers.task'],
    ['a v1 body without an id', message('{"task": "t", "args": []}', {}), 'missing', '$.body.id'],
    ['a number for a body', message('42', {}), 'invalid', '$.body'],
    ['a compressed body', message('[[], {}, {}]', { task: 't', id: 'i', compression: 'application/x-gzip' }), 'unsupported', '$.headers.compression'],
  ])('rejects %s, saying where', (_, input, code, path) => {
    const result = decodeTaskMessage(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ code, path });
  });
});
