// Requests on the `$cbs` node and on a queue's `$management` node. Of the management
// operations the broker answers lock renewal, which the SDK needs to hold a message past its
// lock duration, and settlement by lock token, which the SDK uses when the link a message came
// on is gone; others answer "not implemented".
import { type AmqpMessage, CONDITIONS, tokenFromUuid } from './codec.js';
import type { QueueEntity } from './entity.js';

const RENEW_LOCK = 'com.microsoft:renew-lock';
const UPDATE_DISPOSITION = 'com.microsoft:update-disposition';

/** A management request's body, as rhea decodes the map. */
type RequestBody = Record<string, unknown> | undefined;

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
  if (operation === RENEW_LOCK) return renewLocks(entity, request);
  if (operation === UPDATE_DISPOSITION) return updateDisposition(entity, request);

  return reply(request, 501, `The test broker does not implement ${operation}.`);
}

/** Extends each lock of `lock-tokens`; a lock that lapsed or was settled is lost (410). */
function renewLocks(entity: QueueEntity, request: AmqpMessage): AmqpMessage {
  const expirations: Date[] = [];
  for (const token of lockTokens(request)) {
    const until = entity.renew(token) ?? entity.deadLetters?.renew(token);
    if (until === undefined) return lockLost(request, token);
    expirations.push(new Date(until));
  }

  return { ...reply(request, 200, 'OK'), body: { expirations } };
}

/**
 * Settles each lock of `lock-tokens` by its `disposition-status`: completed, abandoned (with
 * `properties-to-modify`), suspended (dead-lettered with `deadletter-reason` and
 * `deadletter-description`) or defered (Service Bus's spelling). A lock that lapsed or was
 * settled is lost, answered as Service Bus does: 410 with the message-lock-lost condition.
 */
function updateDisposition(entity: QueueEntity, request: AmqpMessage): AmqpMessage {
  const body = request.body as RequestBody;
  const status = String(body?.['disposition-status'] ?? '');
  const properties = body?.['properties-to-modify'] as Record<string, unknown> | undefined;
  const reason = String(body?.['deadletter-reason'] ?? '');
  const description = String(body?.['deadletter-description'] ?? '');
  const settle: Record<string, ((queue: QueueEntity, token: string) => boolean) | undefined> = {
    completed: (queue, token) => queue.complete(token),
    abandoned: (queue, token) => queue.abandon(token, properties),
    suspended: (queue, token) => queue.deadLetter(token, reason, description),
    defered: (queue, token) => queue.defer(token),
  };
  const action = settle[status];
  if (!action) return reply(request, 400, `Unknown disposition-status ${status}.`);
  for (const token of lockTokens(request)) {
    const settled =
      action(entity, token) || (entity.deadLetters && action(entity.deadLetters, token));
    if (!settled) return lockLost(request, token);
  }

  return reply(request, 200, 'OK');
}

function lockTokens(request: AmqpMessage): string[] {
  const tokens = ((request.body as RequestBody)?.['lock-tokens'] ?? []) as Array<Buffer | string>;

  return tokens.map((token) => tokenFromUuid(token));
}

function lockLost(request: AmqpMessage, token: string): AmqpMessage {
  return reply(request, 410, `The lock ${token} was lost.`, CONDITIONS.lockLost);
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
