/**
 * A kombu message independent of the transport that carried it: what both the Redis envelope
 * (CELERY-WIRE.md §3.2) and an AMQP delivery (§4) decode to, and what both encoders start from.
 */
import { utf8ToText, textToUtf8 } from './bytes';
import { DecodeErrorCode, type Decoded, fail } from './decode-result';
import { type JsonObject, type JsonValue, parseJson, pythonJsonDumps } from './json';

export const JSON_CONTENT_TYPE = 'application/json';
export const UTF8 = 'utf-8';

export interface MessageProperties {
  /** The task id on task messages. */
  readonly correlationId: string | null;
  /** The producer's oid (used by the rpc:// backend); "" when none. */
  readonly replyTo: string | null;
  /** 2 = persistent (tasks, pidbox requests), 1 = transient (events, pidbox replies). */
  readonly deliveryMode: number | null;
  /** Absent on some AMQP task messages; read absent as 0 (§2.1). */
  readonly priority: number | null;
  /** AMQP per-message TTL, milliseconds as a string. */
  readonly expiration: string | null;
  /** Properties Pollen does not interpret, kept as they came. */
  readonly extra: JsonObject | null;
}

/** Where a message came from; on Redis this travels inside the envelope's properties. */
export interface DeliveryInfo {
  readonly exchange: string;
  readonly routingKey: string;
  readonly redelivered: boolean;
  /** Redis: a UUID per publish (kombu needs it to ack). AMQP: the channel's delivery tag, as a string. */
  readonly tag: string | null;
}

export interface CeleryMessage {
  /** The serialized body, before content decoding. */
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly contentEncoding: string;
  readonly headers: JsonObject;
  readonly properties: MessageProperties;
  readonly delivery: DeliveryInfo | null;
}

export const NO_PROPERTIES: MessageProperties = {
  correlationId: null,
  replyTo: null,
  deliveryMode: null,
  priority: null,
  expiration: null,
  extra: null,
};

/** Decodes the body as JSON; Celery's other serializers (pickle, yaml, msgpack) are reported, not guessed. */
export function decodeJsonBody(message: CeleryMessage): Decoded<JsonValue> {
  const compression = message.headers['compression'];
  if (typeof compression === 'string') {
    return fail(DecodeErrorCode.Unsupported, `compressed body (${compression}) is not supported`, '$.headers.compression');
  }
  if (message.contentType !== JSON_CONTENT_TYPE) {
    return fail(
      DecodeErrorCode.Unsupported,
      `content type ${JSON.stringify(message.contentType)} is not supported; Pollen reads Celery's default JSON serializer`,
      '$.content_type',
    );
  }
  const encoding = message.contentEncoding.toLowerCase();
  if (encoding !== 'utf-8' && encoding !== 'utf8') {
    return fail(DecodeErrorCode.Unsupported, `content encoding ${JSON.stringify(message.contentEncoding)} is not supported`, '$.content_encoding');
  }
  const text = utf8ToText(message.body, '$.body');
  return text.ok ? parseJson(text.value, '$.body') : text;
}

/** A JSON message with Celery's content type and encoding, its body serialized as Python would. */
export function jsonMessage(
  body: JsonValue,
  headers: JsonObject,
  properties: Partial<MessageProperties> = {},
  delivery: DeliveryInfo | null = null,
): CeleryMessage {
  return {
    body: textToUtf8(pythonJsonDumps(body)),
    contentType: JSON_CONTENT_TYPE,
    contentEncoding: UTF8,
    headers,
    properties: { ...NO_PROPERTIES, ...properties },
    delivery,
  };
}
