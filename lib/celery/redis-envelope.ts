/**
 * kombu's Redis envelope: one JSON object per list item (tasks, pidbox replies) or PUBLISH payload
 * (events, pidbox requests). CELERY-WIRE.md §3.2; proven by captures/redis/{task-messages,events,pidbox}.jsonl.
 *
 *   {"body": "<base64>", "content-encoding": "utf-8", "content-type": "application/json",
 *    "headers": {...}, "properties": {..., "delivery_mode": 2,
 *    "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0,
 *    "body_encoding": "base64", "delivery_tag": "<uuid4>"}}
 */
import { base64ToBytes, bytesToBase64, textToUtf8 } from './bytes';
import { decoding, DecodeErrorCode, type Decoded, failure, unwrap } from './decode-result';
import { asObject, optBool, optInt, optObject, optStr, str, unknownFields } from './fields';
import { assignFields, type JsonObject, parseJson, pythonJsonDumps } from './json';
import type { CeleryMessage, DeliveryInfo } from './message';

const KNOWN_PROPERTIES = new Set([
  'correlation_id',
  'reply_to',
  'delivery_mode',
  'delivery_info',
  'priority',
  'body_encoding',
  'delivery_tag',
  'expiration',
]);

export function decodeRedisEnvelope(text: string): Decoded<CeleryMessage> {
  return decoding(() => {
    const envelope = asObject(unwrap(parseJson(text)), '$');
    const props = optObject(envelope, 'properties', '$') ?? {};
    const bodyText = str(envelope, 'body', '$');
    const bodyEncoding = optStr(props, 'body_encoding', '$.properties');
    let body: Uint8Array;
    if (bodyEncoding === 'base64') body = unwrap(base64ToBytes(bodyText), '$.body');
    // kombu only decodes when body_encoding is set; without it the body string is the payload itself.
    else if (bodyEncoding === null) body = textToUtf8(bodyText);
    else throw failure(DecodeErrorCode.Unsupported, `body_encoding ${JSON.stringify(bodyEncoding)} is not supported`, '$.properties.body_encoding');

    const headers = optObject(envelope, 'headers', '$') ?? {};
    const info = optObject(props, 'delivery_info', '$.properties');
    const tag = props['delivery_tag'];
    const delivery: DeliveryInfo | null = info
      ? {
          exchange: optStr(info, 'exchange', '$.properties.delivery_info') ?? '',
          routingKey: optStr(info, 'routing_key', '$.properties.delivery_info') ?? '',
          redelivered:
            optBool(info, 'redelivered', '$.properties.delivery_info') ?? headers['redelivered'] === true,
          tag: typeof tag === 'string' ? tag : tag === undefined || tag === null ? null : String(tag),
        }
      : null;
    return {
      body,
      contentType: optStr(envelope, 'content-type', '$') ?? '',
      contentEncoding: optStr(envelope, 'content-encoding', '$') ?? '',
      headers,
      properties: {
        correlationId: optStr(props, 'correlation_id', '$.properties'),
        replyTo: optStr(props, 'reply_to', '$.properties'),
        deliveryMode: optInt(props, 'delivery_mode', '$.properties'),
        priority: optInt(props, 'priority', '$.properties'),
        expiration: optStr(props, 'expiration', '$.properties'),
        extra: unknownFields(props, KNOWN_PROPERTIES),
      },
      delivery,
    };
  });
}

export interface RedisPublishTarget {
  /** '' for the default exchange (task queues), 'celeryev', 'celery.pidbox', 'reply.celery.pidbox'. */
  readonly exchange: string;
  readonly routingKey: string;
  /** A fresh UUID per publish; a Python consumer raises KeyError without one (§3.2). */
  readonly deliveryTag?: string;
}

/** The envelope text, with keys in the order kombu writes them. */
export function encodeRedisEnvelope(message: CeleryMessage, target: RedisPublishTarget): string {
  const p = message.properties;
  const properties: JsonObject = {};
  if (p.correlationId !== null) properties['correlation_id'] = p.correlationId;
  if (p.replyTo !== null) properties['reply_to'] = p.replyTo;
  if (p.extra) assignFields(properties, p.extra);
  properties['delivery_mode'] = p.deliveryMode ?? 2;
  // kombu's Producer.publish sets expiration right after delivery_mode.
  if (p.expiration !== null) properties['expiration'] = p.expiration;
  properties['delivery_info'] = { exchange: target.exchange, routing_key: target.routingKey };
  properties['priority'] = p.priority ?? 0;
  properties['body_encoding'] = 'base64';
  properties['delivery_tag'] = target.deliveryTag ?? crypto.randomUUID();
  return pythonJsonDumps({
    body: bytesToBase64(message.body),
    'content-encoding': message.contentEncoding,
    'content-type': message.contentType,
    headers: message.headers,
    properties,
  });
}
