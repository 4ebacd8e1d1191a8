import type { BrokerLink } from '@/lib/push/contract';

/** Whether the server has lost its broker: no events arrive and no command reaches a worker. */
export function brokerDown(broker: BrokerLink | null): boolean {
  return broker !== null && broker.status !== 'connected' && !(broker.status === 'connecting' && broker.error === null);
}
