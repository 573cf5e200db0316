// Plays the Functions host's Service Bus trigger against the test broker: receives in peek-lock
// with the real SDK, hands each message to a registered function (cardinality one, raw bytes),
// completes it when the invocation succeeds and abandons it when it fails, as the host does.
import type { ServiceBusClient, ServiceBusReceivedMessage } from '@azure/service-bus';
import { type HostInvocation, invokeFunction, metadataOf } from './functions-host.js';

/** One queue the host consumes, and the function its trigger runs. */
export interface QueueBinding {
  entity: string;
  functionName: string;
}

/** What a drain did. */
export interface DrainStats {
  invocations: number;
  completed: number;
  abandoned: number;
  /** Messages processed successfully but abandoned on purpose, to be delivered again. */
  redelivered: number;
}

/** Options of {@link drainQueues}. */
export interface DrainOptions {
  /** Every n-th successful invocation is abandoned as if the host crashed before completing. */
  redeliverEvery?: number;
  /** Idle receives in a row, over all queues, after which the drain ends. */
  idleRounds?: number;
}

/** The invocation the host makes for one received message. */
export function hostInvocation(message: ServiceBusReceivedMessage): HostInvocation {
  return {
    data: { bytes: message.body as Buffer },
    triggerMetadata: metadataOf({
      MessageId: String(message.messageId),
      // The host reports .NET's count, 1 on the first delivery; the JS SDK counts from 0.
      DeliveryCount: (message.deliveryCount ?? 0) + 1,
      EnqueuedTimeUtc: message.enqueuedTimeUtc?.toISOString(),
      SequenceNumber: Number(message.sequenceNumber ?? 0),
      LockToken: message.lockToken,
      ContentType: message.contentType,
      SessionId: message.sessionId,
      ApplicationProperties: message.applicationProperties ?? {},
      UserProperties: message.applicationProperties ?? {},
    }),
  };
}

/** Consumes the queues until all stay empty, running each message through its function. */
export async function drainQueues(
  client: ServiceBusClient,
  bindings: QueueBinding[],
  options: DrainOptions = {},
): Promise<DrainStats> {
  const stats: DrainStats = { invocations: 0, completed: 0, abandoned: 0, redelivered: 0 };
  const receivers = bindings.map((binding) => ({
    binding,
    receiver: client.createReceiver(binding.entity, {
      skipParsingBodyAsJson: true,
      maxAutoLockRenewalDurationInMs: 0,
    }),
  }));
  let idle = 0;
  try {
    while (idle < (options.idleRounds ?? 3)) {
      let worked = false;
      for (const { binding, receiver } of receivers) {
        const messages = await receiver.receiveMessages(20, { maxWaitTimeInMs: 150 });
        for (const message of messages) {
          worked = true;
          stats.invocations += 1;
          const result = await invokeFunction(binding.functionName, hostInvocation(message));
          const every = options.redeliverEvery;
          if (
            result.ok &&
            every &&
            stats.invocations % every === 0 &&
            message.deliveryCount === 0
          ) {
            stats.redelivered += 1;
            await receiver.abandonMessage(message);
          } else if (result.ok) {
            stats.completed += 1;
            await receiver.completeMessage(message);
          } else {
            stats.abandoned += 1;
            await receiver.abandonMessage(message);
          }
        }
      }
      idle = worked ? 0 : idle + 1;
    }
  } finally {
    for (const { receiver } of receivers) await receiver.close();
  }

  return stats;
}
