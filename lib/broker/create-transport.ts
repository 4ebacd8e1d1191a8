/** The transport for a broker URL. */
import { type BrokerUrl, BrokerKind } from './broker-url';
import { AmqpTransport, type AmqpTransportOptions } from './amqp-transport';
import { MemoryTransport } from './memory-transport';
import { RedisTransport, type RedisTransportOptions } from './redis-transport';
import type { Transport } from './transport';

export function createTransport(broker: BrokerUrl, options: RedisTransportOptions & AmqpTransportOptions = {}): Transport {
  switch (broker.kind) {
    case BrokerKind.Redis:
      return new RedisTransport(broker, options);
    case BrokerKind.Amqp:
      return new AmqpTransport(broker, options);
    case BrokerKind.Memory:
      return new MemoryTransport(broker);
    default: {
      const unreachable: never = broker.kind;
      throw new Error(`no transport for ${String(unreachable)}`);
    }
  }
}
