import { deadLetter, type MessageEvent } from '@cloudport/core';
import { KEYS } from './keys.js';
import { type InvalidRow, isInvalidRow } from './model.js';
import { reports } from './resources.js';
import { putJsonOnce, readJson } from './storage.js';

/** What a reject marker records: the message that claimed the row. */
interface RejectMarker {
  eventId: string;
}

/**
 * Dead-letters one invalid row with a reason naming its file, line and problem.
 *
 * The first message for a row claims it with a create-only marker. A later message for the
 * same row with another id was sent by a re-parse after a crash and is dropped; a redelivery
 * of the claiming message dead-letters again, because its first attempt may have stopped
 * before the dead letter was forwarded. So each invalid row is dead-lettered once, or more
 * only under the claiming message's own event id.
 */
export async function rejectRow(message: MessageEvent<InvalidRow>): Promise<void> {
  if (!isInvalidRow(message.body)) {
    deadLetter(`Message ${message.id} on ${message.queue} is not an invalid-row report.`);
  }
  const { file, line, problem } = message.body;
  const marker = KEYS.rejected(file.id, line);

  if (!(await putJsonOnce(reports, marker, { eventId: message.id } satisfies RejectMarker))) {
    const claim = await readJson<RejectMarker>(reports, marker);
    if (claim && claim.eventId !== message.id) return;
  }
  deadLetter(`${file.key} line ${line}: ${problem}`);
}
