import {
  type DeadLetterRecord,
  InvalidConfigError,
  InvalidEventError,
  type NeutralEvent,
  type Pipeline,
  type QueueRef,
  type ReceivedMessage,
  type SendOptions,
  type SendResult,
} from '@cloudport/core';
import type { LocalQueue } from '../queue/index.js';
import type { DeadLetterEntry } from './types.js';

/**
 * Attribute under which a replayed message carries the id of the event it replays. A queue
 * gives every send a new message id; the local adapter takes the event id from here instead,
 * and hides the attribute from the handler, so an event keeps its id across replays.
 */
export const EVENT_ID_ATTRIBUTE = 'cloudport-event-id';

/** Where dead letters live: bound dead-letter queues and every queue's own dead letters. */
export interface DeadLetterSources {
  pipeline: Pipeline;
  eventQueues: ReadonlyMap<string, LocalQueue<unknown>>;
  openQueue<T>(ref: QueueRef<T>): Promise<LocalQueue<T>>;
}

/** How a replay puts work back. */
export interface ReplayTargets {
  resend(ref: QueueRef<unknown>, body: unknown, options: SendOptions): Promise<SendResult>;
  requeueEvent(functionName: string, event: NeutralEvent): Promise<SendResult>;
}

/**
 * Lists every dead letter: records in bound dead-letter queues, then each queue's own.
 *
 * A function stopped between forwarding a dead letter and acknowledging its event forwards
 * it again when the event is redelivered, under the same event id. Such copies are one dead
 * letter: it is listed once, with the latest copy's reason, and replayed once.
 */
export async function collectDeadLetters(sources: DeadLetterSources): Promise<DeadLetterEntry[]> {
  const entries: DeadLetterEntry[] = [];
  for (const ref of boundQueues(sources.pipeline)) {
    const queue = await sources.openQueue(ref);
    const byEvent = new Map<string, DeadLetterEntry>();
    for (const message of await queue.browse()) {
      byEvent.set(recordKey(message), fromRecord(ref.name, message));
    }
    entries.push(...byEvent.values());
  }
  for (const [name, queue] of await ownQueues(sources)) {
    for (const letter of await queue.deadLetters()) {
      const event = letter.body as Partial<NeutralEvent> | undefined;
      entries.push({
        queue: name,
        messageId: letter.messageId,
        function: functionOf(sources, name),
        eventId: typeof event?.id === 'string' ? event.id : letter.messageId,
        reason: letter.reason,
        deadLetteredAt: letter.deadLetteredAt.toISOString(),
      });
    }
  }

  return entries;
}

/** A replay named ids that no dead letter has; nothing was replayed. */
export class UnknownDeadLetterError extends InvalidConfigError {
  /** The ids that matched no dead letter's message id or event id. */
  readonly messageIds: string[];

  constructor(messageIds: string[]) {
    super(
      `No dead letter has the id ${messageIds.map((id) => JSON.stringify(id)).join(', ')}; ` +
        'nothing was replayed. List the dead letters for their message and event ids.',
      { provider: 'local' },
    );
    this.name = 'UnknownDeadLetterError';
    this.messageIds = messageIds;
  }
}

/**
 * Replays dead letters (all, or those whose message or event id is listed): records in bound
 * dead-letter queues go back to the queue or function they failed in; a queue's own dead
 * letters become deliverable again. Every replayed event keeps its event id, so idempotent
 * handlers recognise it: a queue's own dead letters keep their message, a recorded message is
 * sent again carrying its event id in {@link EVENT_ID_ATTRIBUTE}, and a recorded object or
 * schedule event is queued again whole. A listed id that no dead letter has is refused with
 * {@link UnknownDeadLetterError} (`INVALID_CONFIG`) before anything is replayed.
 */
export async function replayDeadLetters(
  sources: DeadLetterSources,
  ids: string[] | undefined,
  targets: ReplayTargets,
): Promise<number> {
  const wanted = ids ? new Set(ids) : undefined;
  const matched = new Set<string>();
  const named = (...keys: string[]) => {
    const hits = keys.filter((key) => wanted?.has(key));
    for (const key of hits) matched.add(key);
    return wanted === undefined || hits.length > 0;
  };
  const bound: Array<[LocalQueue<unknown>, string[] | undefined]> = [];
  for (const ref of boundQueues(sources.pipeline)) {
    const queue = await sources.openQueue(ref);
    bound.push([queue, wanted ? await recordsNamed(queue, named) : undefined]);
  }
  const own: Array<[LocalQueue<unknown>, string[]]> = [];
  for (const [, queue] of await ownQueues(sources)) {
    const letters = await queue.deadLetters();
    const chosen = letters.filter((letter) => named(letter.messageId, eventIdOf(letter)));
    own.push([queue, chosen.map((letter) => letter.messageId)]);
  }
  const unknown = [...(wanted ?? [])].filter((id) => !matched.has(id));
  if (unknown.length > 0) throw new UnknownDeadLetterError(unknown);

  let replayed = 0;
  for (const [queue, recordIds] of bound) {
    replayed += await replayRecords(sources, queue, recordIds, targets);
  }
  for (const [queue, chosen] of own) {
    if (chosen.length > 0) replayed += await queue.replay(chosen);
  }

  return replayed;
}

/**
 * Replays the records of one bound dead-letter queue, each event once however many copies it
 * has. With ids, only those records are received; the others are left untouched, their
 * delivery counts unchanged.
 */
async function replayRecords(
  sources: DeadLetterSources,
  queue: LocalQueue<unknown>,
  ids: string[] | undefined,
  targets: ReplayTargets,
): Promise<number> {
  const replayed = new Set<string>();
  const settle = async (batch: ReceivedMessage<unknown>[]) => {
    for (const message of batch) {
      const key = recordKey(message);
      if (!replayed.has(key)) await putBack(sources, message.body as DeadLetterRecord, targets);
      replayed.add(key);
      await queue.complete(message);
    }
  };
  if (ids) {
    if (ids.length > 0) {
      await settle(await queue.receiveIds(ids, { visibilityTimeoutSeconds: 300 }));
    }
    return replayed.size;
  }
  for (;;) {
    const batch = await queue.receive({ maxMessages: 100, visibilityTimeoutSeconds: 300 });
    if (batch.length === 0) break;
    await settle(batch);
  }

  return replayed.size;
}

/**
 * Message ids of every record whose event has a record with a wanted message or event id;
 * `named` says whether a record's ids are wanted.
 */
async function recordsNamed(
  queue: LocalQueue<unknown>,
  named: (...keys: string[]) => boolean,
): Promise<string[]> {
  const records = await queue.browse();
  const keys = new Set<string>();
  for (const message of records) {
    const record = message.body as Partial<DeadLetterRecord> | undefined;
    const eventId = typeof record?.eventId === 'string' ? [record.eventId] : [];
    if (named(message.messageId, ...eventId)) keys.add(recordKey(message));
  }

  return records.filter((message) => keys.has(recordKey(message))).map((m) => m.messageId);
}

/** One dead-lettered event: the function and event id of a record (its message id if none). */
function recordKey(message: ReceivedMessage<unknown>): string {
  const record = message.body as Partial<DeadLetterRecord> | undefined;
  if (typeof record?.eventId !== 'string') return `message ${message.messageId}`;

  return `${record.function ?? ''} event ${record.eventId}`;
}

async function putBack(
  sources: DeadLetterSources,
  record: DeadLetterRecord,
  targets: ReplayTargets,
): Promise<void> {
  const event = record.event as (NeutralEvent & { body?: unknown }) | undefined;
  if (event?.type === 'message') {
    const ref = sources.pipeline.resources().queues.get(event.queue);
    if (!ref) {
      throw new InvalidConfigError(
        `Cannot replay dead letter ${record.eventId} into queue ${JSON.stringify(event.queue)}: ` +
          'the pipeline declares no such queue. Declare it again, or leave this dead letter.',
        { provider: 'local' },
      );
    }
    const body = isBase64Body(event.body) ? Buffer.from(event.body.base64, 'base64') : event.body;
    const attributes = { ...event.attributes, [EVENT_ID_ATTRIBUTE]: event.id ?? record.eventId };
    await targets.resend(ref, ref.body === 'bytes' ? new Uint8Array(body as Buffer) : body, {
      attributes,
      orderingKey: event.orderingKey,
    });
    return;
  }
  if (event && typeof event === 'object') {
    await targets.requeueEvent(record.function, event);
    return;
  }

  throw new InvalidEventError(
    `Dead letter ${JSON.stringify(record?.eventId)} holds no event that can be replayed; ` +
      'it was not written by the local runtime. Remove it from its dead-letter queue.',
    { provider: 'local' },
  );
}

function boundQueues(pipeline: Pipeline): QueueRef<unknown>[] {
  const refs = new Map<string, QueueRef<unknown>>();
  for (const fn of pipeline.functions.values()) {
    if (fn.deadLetter) refs.set(fn.deadLetter.name, fn.deadLetter as QueueRef<unknown>);
  }

  return [...refs.values()];
}

async function ownQueues(
  sources: DeadLetterSources,
): Promise<Array<[string, LocalQueue<unknown>]>> {
  const list: Array<[string, LocalQueue<unknown>]> = [];
  for (const [name, queue] of sources.eventQueues) list.push([`${name} events`, queue]);
  for (const ref of sources.pipeline.resources().queues.values()) {
    list.push([ref.name, await sources.openQueue(ref)]);
  }

  return list;
}

function functionOf(sources: DeadLetterSources, queueName: string): string | undefined {
  if (queueName.endsWith(' events')) return queueName.slice(0, -' events'.length);
  for (const fn of sources.pipeline.functions.values()) {
    if (fn.trigger.kind === 'queue' && fn.trigger.queue.name === queueName) return fn.name;
  }

  return undefined;
}

function fromRecord(queue: string, message: ReceivedMessage<unknown>): DeadLetterEntry {
  const record = message.body as Partial<DeadLetterRecord>;

  return {
    queue,
    messageId: message.messageId,
    function: record.function,
    eventId: record.eventId,
    reason: record.reason ?? '(no reason recorded)',
    deadLetteredAt: record.deadLetteredAt ?? message.sentAt.toISOString(),
  };
}

function eventIdOf(letter: ReceivedMessage<unknown>): string {
  const id = (letter.body as { id?: unknown } | undefined)?.id;

  return typeof id === 'string' ? id : letter.messageId;
}

function isBase64Body(body: unknown): body is { base64: string } {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { base64?: unknown }).base64 === 'string'
  );
}
