/**
 * The Celery wire protocol as pure TypeScript: bytes in, typed values or a precise DecodeError out, and
 * back. No I/O: transports (lib/broker) hand messages in and take encoded messages out.
 * Reference: ../shared/protocol/CELERY-WIRE.md; golden fixtures: ../shared/protocol/captures/.
 */
export { type Decoded, type DecodeError, DecodeErrorCode } from './decode-result';
export { type JsonObject, type JsonPrimitive, type JsonValue, isJsonObject, parseJson, pythonJsonDumps } from './json';
export {
  type CeleryMessage,
  type DeliveryInfo,
  type MessageProperties,
  decodeJsonBody,
  jsonMessage,
  JSON_CONTENT_TYPE,
  NO_PROPERTIES,
  UTF8,
} from './message';
export { decodeRedisEnvelope, encodeRedisEnvelope, type RedisPublishTarget } from './redis-envelope';
export { type AmqpDelivery, type AmqpPublish, amqpHeaderTable, decodeAmqpDelivery, encodeAmqpPublish } from './amqp-message';
export { decodeSignature, type Signature, signatureTaskId, signatureToJson } from './signature';
export {
  ARGSREPR_MAXSIZE,
  decodeTaskMessage,
  encodeTaskMessage,
  newTaskMessage,
  type NewTask,
  RESULT_REPR_MAXSIZE,
  type TaskMessage,
  taskReprs,
  type TimeLimit,
  V2_HEADERS,
} from './task-message';
export type {
  CeleryEvent,
  CustomEvent,
  KnownEvent,
  TaskCancelledEvent,
  TaskEvent,
  TaskFailedEvent,
  TaskReceivedEvent,
  TaskRejectedEvent,
  TaskRevokedEvent,
  TaskSentEvent,
  TaskStartedEvent,
  TaskSucceededEvent,
  WorkerEvent,
} from './event-types';
export { TaskEventType, WorkerEventType } from './event-types';
export {
  decodeEventBody,
  decodeEventMessage,
  type DecodedEvents,
  encodeEventJson,
  encodeEventMessage,
  EVENT_FIELDS,
  eventRoutingKey,
  eventToJson,
} from './event';
export {
  type ControlReply,
  type ControlRequest,
  controlRequestIsFor,
  decodeControlReply,
  decodeControlRequest,
  encodeControlReply,
  encodeControlRequest,
  globToRegExp,
  type ReplyAddress,
} from './pidbox';
export {
  dateDoneSeconds,
  decodeGroupMeta,
  decodeTaskMeta,
  encodeTaskMeta,
  type ExceptionInfo,
  exceptionRepr,
  exceptionToJson,
  type GroupMeta,
  newTaskMeta,
  READY_STATES,
  type TaskMeta,
  TaskState,
} from './result-meta';
export {
  type ExceptionRepr,
  parseExceptionRepr,
  parsePythonRepr,
  type ReprError,
  ReprErrorCode,
  type ReprOptions,
  type ReprResult,
} from './python-repr';
export { parseRateLimit, type RateLimit } from './rate-limit';
export { pythonNumber, saferepr, type SafereprOptions } from './python-saferepr';
export { pythonRepr, pythonStringRepr } from './python-repr-format';
export { isKombuTagged, untagKombuJson } from './kombu-json';
export * as names from './names';
