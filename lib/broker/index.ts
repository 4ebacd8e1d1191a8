/** Broker access shared by the collector and the worker: broker URLs and the transports behind one interface. */
export { type BrokerHost, BrokerKind, type BrokerUrl, type BrokerUrlResult, mask, parseBrokerUrl, SUPPORTED_SCHEMES } from './broker-url';
export { backoffDelay } from './backoff';
export { createTransport } from './create-transport';
export { linkDown } from './link-state';
export { defaultMemoryBroker, MemoryBroker, MemoryTransport } from './memory-transport';
export {
  type ConsumeOptions,
  type Delivery,
  type EventSink,
  type LinkState,
  LinkStatus,
  type PidboxListener,
  type QueueConsumer,
  type QueueStats,
  type ReplyQueue,
  type StreamGap,
  type Transport,
} from './transport';
