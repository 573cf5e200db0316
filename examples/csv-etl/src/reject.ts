import { deadLetter, type HandlerContext, type MessageEvent } from '@cloudport/core';
import { KEYS } from './keys.js';
import { type InvalidRow, isInvalidRow } from './model.js';
import { reports } from './resources.js';
import { putJsonOnce, readJson } from './storage.js';

/** What a reject marker records: the event that claimed the row. */
interface RejectMarker {
  eventId: string;
}

/**
 * Dead-letters one invalid row with a reason naming its file, line and problem.
 *
 * The first event for a row claims it with a create-only marker holding the event id. The
 * claiming event dead-letters the row every time it arrives: on a redelivery, because its
 * first attempt may have stopped before the dead letter was forwarded, and on a replay of its
 * dead letter, which keeps the event id, because the row is still invalid. An event with
 * another id was sent by a re-parse after a crash: the row is already in hand, so that copy
 * is dropped (and logged). So each invalid row has one dead letter at a time, under one event
 * id.
 */
export async function rejectRow(
  message: MessageEvent<InvalidRow>,
  context: HandlerContext,
): Promise<void> {
  if (!isInvalidRow(message.body)) {
    deadLetter(`Message ${message.id} on ${message.queue} is not an invalid-row report.`);
  }
  const { file, line, problem } = message.body;
  const marker = KEYS.rejected(file.id, line);

  if (!(await putJsonOnce(reports, marker, { eventId: message.id } satisfies RejectMarker))) {
    const claim = await readJson<RejectMarker>(reports, marker);
    if (claim && claim.eventId !== message.id) {
      context.logger.info('invalid row already claimed by another event; dropping this copy', {
        fileId: file.id,
        line,
        claimedBy: claim.eventId,
      });
      return;
    }
  }
  deadLetter(`${file.key} line ${line}: ${problem}`);
}
