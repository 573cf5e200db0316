// Requests on the `$cbs` node and on a queue's `$management` node. Of the management
// operations the broker answers lock renewal, which the SDK needs to hold a message past its
// lock duration; others answer "not implemented".
import { type AmqpMessage, CONDITIONS, tokenFromUuid } from './codec.js';
import type { QueueEntity } from './entity.js';

const RENEW_LOCK = 'com.microsoft:renew-lock';

/** Answers a `$cbs` put-token request: accepted, whatever the token. */
export function answerCbs(request: AmqpMessage): AmqpMessage {
  return {
    correlation_id: request.message_id,
    to: request.reply_to,
    application_properties: { 'status-code': 202, 'status-description': 'Accepted' },
  };
}

/** Answers one management request for `entity` (undefined when the entity does not exist). */
export function answerManagement(
  entity: QueueEntity | undefined,
  request: AmqpMessage,
): AmqpMessage {
  const operation = String(request.application_properties?.operation ?? '');
  if (!entity) return reply(request, 404, 'No such entity.', CONDITIONS.notFound);
  if (operation !== RENEW_LOCK) {
    return reply(request, 501, `The test broker does not implement ${operation}.`);
  }
  const tokens = ((request.body as Record<string, unknown> | undefined)?.['lock-tokens'] ??
    []) as Array<Buffer | string>;
  const expirations: Date[] = [];
  for (const token of tokens) {
    const text = tokenFromUuid(token);
    const until = entity.renew(text) ?? entity.deadLetters?.renew(text);
    if (until === undefined) {
      return reply(request, 410, `The lock ${text} was lost.`, CONDITIONS.lockLost);
    }
    expirations.push(new Date(until));
  }

  return { ...reply(request, 200, 'OK'), body: { expirations } };
}

function reply(
  request: AmqpMessage,
  status: number,
  description: string,
  condition?: string,
): AmqpMessage {
  const properties: Record<string, unknown> = {
    statusCode: status,
    statusDescription: description,
  };
  if (condition) properties.errorCondition = condition;

  return {
    correlation_id: request.message_id,
    to: request.reply_to,
    application_properties: properties,
  };
}
