/**
 * AMQP 0-9-1 messages as amqplib hands them over and takes them, mapped to and from CeleryMessage.
 * CELERY-WIRE.md §4 (properties) and §9 (header tables).
 *
 * The shapes below are structural copies of the parts of amqplib's types we use, so that this folder stays
 * free of I/O libraries; lib/broker passes amqplib's objects straight in.
 */
import { decoding, type Decoded } from './decode-result';
import { type JsonObject, type JsonValue, setField } from './json';
import type { CeleryMessage } from './message';

export interface AmqpDelivery {
  readonly content: Uint8Array;
  readonly fields: {
    readonly exchange: string;
    readonly routingKey: string;
    readonly redelivered?: boolean;
    readonly deliveryTag?: number;
  };
  readonly properties: {
    readonly contentType?: string | undefined;
    readonly contentEncoding?: string | undefined;
    readonly headers?: Record<string, unknown> | undefined;
    readonly deliveryMode?: number | boolean | undefined;
    readonly priority?: number | undefined;
    readonly correlationId?: string | undefined;
    readonly replyTo?: string | undefined;
    readonly expiration?: string | number | undefined;
  };
}

export interface AmqpPublish {
  readonly content: Uint8Array;
  readonly options: {
    readonly contentType: string;
    readonly contentEncoding: string;
    readonly headers: Record<string, unknown>;
    readonly deliveryMode: number;
    readonly priority?: number;
    readonly correlationId?: string;
    readonly replyTo?: string;
    readonly expiration?: string;
  };
}

const KNOWN_PROPERTIES = new Set([
  'contentType',
  'contentEncoding',
  'headers',
  'deliveryMode',
  'priority',
  'correlationId',
  'replyTo',
  'expiration',
]);

export function decodeAmqpDelivery(delivery: AmqpDelivery): Decoded<CeleryMessage> {
  return decoding(() => {
    const p = delivery.properties;
    let extra: JsonObject | null = null;
    for (const key in p) {
      // Other AMQP properties (message_id, timestamp, type, app_id, ...) are kept in `extra`.
      const value = (p as Record<string, unknown>)[key];
      if (!KNOWN_PROPERTIES.has(key) && value !== undefined && value !== null) setField((extra ??= {}), key, toJson(value));
    }
    const headers = p.headers ? (toJson(p.headers) as JsonObject) : {};
    return {
      body: delivery.content,
      contentType: p.contentType ?? '',
      contentEncoding: p.contentEncoding ?? '',
      headers,
      properties: {
        correlationId: p.correlationId ?? null,
        replyTo: p.replyTo ?? null,
        deliveryMode: typeof p.deliveryMode === 'boolean' ? (p.deliveryMode ? 2 : 1) : (p.deliveryMode ?? null),
        priority: p.priority ?? null,
        expiration: p.expiration === undefined ? null : String(p.expiration),
        extra,
      },
      delivery: {
        exchange: delivery.fields.exchange,
        routingKey: delivery.fields.routingKey,
        redelivered: delivery.fields.redelivered ?? false,
        tag: delivery.fields.deliveryTag === undefined ? null : String(delivery.fields.deliveryTag),
      },
    };
  });
}

/** Publish arguments for amqplib's `channel.publish(exchange, routingKey, content, options)`. */
export function encodeAmqpPublish(message: CeleryMessage): AmqpPublish {
  const p = message.properties;
  return {
    content: message.body,
    options: {
      contentType: message.contentType,
      contentEncoding: message.contentEncoding,
      headers: amqpHeaderTable(message.headers),
      deliveryMode: p.deliveryMode ?? 2,
      ...(p.priority !== null && { priority: p.priority }),
      ...(p.correlationId !== null && { correlationId: p.correlationId }),
      ...(p.replyTo !== null && { replyTo: p.replyTo }),
      ...(p.expiration !== null && { expiration: p.expiration }),
    },
  };
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Header values with every number typed explicitly. amqplib would pick `b`/`s` for small integers, which
 * py-amqp reads as unsigned byte / short *string* and then breaks the connection (§9, interop capture).
 * 32-bit signed `I` and double `d` read the same on both sides; `l` is read unsigned by py-amqp, so only
 * non-negative integers beyond 32 bits use it.
 */
export function amqpHeaderTable(headers: JsonObject): Record<string, unknown> {
  const table: Record<string, unknown> = {};
  for (const key in headers) setField(table, key, amqpFieldValue(headers[key] as JsonValue));
  return table;
}

function amqpFieldValue(value: JsonValue): unknown {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return { '!': 'double', value };
    if (value >= INT32_MIN && value <= INT32_MAX) return { '!': 'int', value };
    return value > 0 ? { '!': 'long', value } : { '!': 'double', value };
  }
  if (Array.isArray(value)) return value.map(amqpFieldValue);
  if (value !== null && typeof value === 'object') return amqpHeaderTable(value);
  return value;
}

/** amqplib decodes field tables to JS values that are not all JSON (Buffers, typed decimals); normalise them. */
function toJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return Number(value);
    case 'object': {
      if (value instanceof Uint8Array) return new TextDecoder().decode(value);
      if (value instanceof Date) return value.getTime() / 1000;
      if (Array.isArray(value)) return value.map(toJson);
      const record = value as Record<string, unknown>;
      // amqplib's typed values ({'!': 'decimal', value: {places, digits}} and the like).
      if (typeof record['!'] === 'string' && 'value' in record) return typedToJson(record['!'] as string, record['value']);
      const out: JsonObject = {};
      for (const key in record) setField(out, key, toJson(record[key]));
      return out;
    }
    default:
      return null;
  }
}

function typedToJson(type: string, value: unknown): JsonValue {
  if (type === 'decimal' && value !== null && typeof value === 'object') {
    const { places, digits } = value as { places: number; digits: number };
    return digits / 10 ** places;
  }
  return toJson(value);
}
