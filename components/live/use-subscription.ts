'use client';
/**
 * One live subscription (lib/push/contract.ts) for as long as a component shows it. The first update
 * after each create carries the whole current value, so every way of falling behind (a reconnect, a
 * `subscriptions:invalidated`, a gap in `seq`) is mended the same way: subscribe again.
 */
import { useEffect, useRef, useState } from 'react';
import type { PushError, PushUpdate, SubscribeRequest } from '@/lib/push/contract';
import { getSocket } from './socket';

export type SubscriptionStatus = 'connecting' | 'live' | 'error';

export interface SubscriptionState {
  readonly status: SubscriptionStatus;
  readonly error: PushError | null;
}

/**
 * Calls `onUpdate` with each update of `request` (null: none). `onUpdate` may change between renders;
 * the subscription changes only when the request does (compared by value).
 */
export function useSubscription<U extends PushUpdate>(request: SubscribeRequest | null, onUpdate: (update: U) => void): SubscriptionState {
  const [state, setState] = useState<SubscriptionState>({ status: 'connecting', error: null });
  const handler = useRef(onUpdate);
  handler.current = onUpdate;
  const key = request === null ? null : JSON.stringify(request);

  useEffect(() => {
    if (key === null) return undefined;
    const wanted = JSON.parse(key) as SubscribeRequest;
    const socket = getSocket();
    let id: string | null = null;
    let seq = 0;
    let closed = false;

    const subscribe = (): void => {
      const previous = id;
      id = null;
      if (previous !== null) socket.emit('subscription:cancel', { subscriptionId: previous }, () => undefined);
      socket.emit('subscription:create', wanted, (ack) => {
        if (closed) {
          if (ack.ok) socket.emit('subscription:cancel', { subscriptionId: ack.subscriptionId }, () => undefined);
          return;
        }
        if (!ack.ok) {
          setState({ status: 'error', error: ack.error });
          return;
        }
        id = ack.subscriptionId;
        seq = 0;
        setState({ status: 'live', error: null });
      });
    };

    const onBatch = (batch: { updates: readonly PushUpdate[] }): void => {
      for (const update of batch.updates) {
        if (id === null || update.subscriptionId !== id) continue;
        // Ids are shared by equal requests: a batch can only hold this subscription's own updates once.
        if (seq !== 0 && update.seq !== seq + 1) {
          subscribe();
          return;
        }
        seq = update.seq;
        handler.current(update as U);
      }
    };
    const onInvalidated = ({ subscriptionIds }: { subscriptionIds: readonly string[] }): void => {
      if (id !== null && subscriptionIds.includes(id)) subscribe();
    };
    // A new connection starts with no subscriptions (the server forgot this socket's).
    const onConnect = (): void => {
      id = null;
      subscribe();
    };
    const onDisconnect = (): void => setState({ status: 'connecting', error: null });

    socket.on('subscriptions:updated', onBatch);
    socket.on('subscriptions:invalidated', onInvalidated);
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    if (socket.connected) subscribe();
    return () => {
      closed = true;
      socket.off('subscriptions:updated', onBatch);
      socket.off('subscriptions:invalidated', onInvalidated);
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
      if (id !== null) socket.emit('subscription:cancel', { subscriptionId: id }, () => undefined);
    };
  }, [key]);

  return state;
}
