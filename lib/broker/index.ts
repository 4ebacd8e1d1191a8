/** Broker access shared by the collector and the worker, starting with the broker URL users pass in. */
export { type BrokerHost, BrokerKind, type BrokerUrl, type BrokerUrlResult, mask, parseBrokerUrl, SUPPORTED_SCHEMES } from './broker-url';
