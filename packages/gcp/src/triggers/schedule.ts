import {
  type Decoded,
  InvalidEventError,
  type ScheduleEvent,
  type ScheduleTrigger,
} from '@cloudport/core';
import { INTERNAL_PREFIX } from '../queue/wire.js';
import { type CloudEventLike, invalid } from './cloud-event.js';
import { readPublished } from './pubsub-envelope.js';

/** The attribute a schedule's Cloud Scheduler job sets to the function it fires. */
export const SCHEDULE_FUNCTION_ATTRIBUTE = `${INTERNAL_PREFIX}function`;
/**
 * The variable naming the Pub/Sub topic of a schedule function's Cloud Scheduler job (a topic
 * id or `projects/P/topics/T`), such as `CLOUDPORT_SCHEDULE_NIGHTLY_SWEEP`. Optional: when set,
 * firings from any other topic are refused.
 */
export function scheduleTopicVariable(functionName: string): string {
  return `CLOUDPORT_SCHEDULE_${functionName.toUpperCase().replaceAll('-', '_')}`;
}

/** A firing that starts later than this after its due minute is past due. */
const PAST_DUE_MS = 60_000;

/** What decoding a schedule firing needs to know about its function. */
export interface ScheduleTarget {
  functionName: string;
  trigger: ScheduleTrigger;
  /** The topic id the function's job publishes to, when its binding names one. */
  topic?: string | undefined;
  /** Milliseconds since the epoch at decode time. */
  now: number;
}

/**
 * Decodes a Cloud Scheduler firing. The job has a Pub/Sub target (its topic delivered to the
 * function through Eventarc), so failed firings are retried and dead-lettered like queue
 * messages. Deploy makes the job publish data `{"schedule": "<expression>"}` with the
 * attribute `cloudport-function: <function name>`; a firing that names another function is
 * `INVALID_EVENT`, and so is one from another topic than the one the function's
 * {@link scheduleTopicVariable} names. Without that variable the topic is not checked: the
 * Eventarc trigger already ties the function to one topic, and the attribute guards against a
 * job aimed at the wrong one.
 *
 * Cloud Scheduler cannot put the due time into a Pub/Sub message, so the firing's time is the
 * message's publish time cut to the minute (cron fires on whole minutes, and the job publishes
 * within the minute). The id is `<function>@<that time>`, the same when Pub/Sub redelivers the
 * message and when the job's own retry publishes it again. `pastDue` is set when the firing
 * starts more than a minute after it was due.
 */
export function decodeScheduleEvent(target: ScheduleTarget, event: CloudEventLike): Decoded[] {
  try {
    const message = readPublished(event);
    const named = message.attributes[SCHEDULE_FUNCTION_ATTRIBUTE];
    if (named !== undefined && named !== target.functionName) {
      throw invalid(
        `Firing ${message.messageId} is for function ${named}, not ${target.functionName}; ` +
          "check the Cloud Scheduler job's topic.",
      );
    }
    if (
      target.topic !== undefined &&
      message.topic !== undefined &&
      message.topic !== target.topic
    ) {
      throw invalid(
        `Firing ${message.messageId} comes from topic ${message.topic}, but function ` +
          `${target.functionName}'s schedule is bound to topic ${target.topic}.`,
      );
    }
    const published = Date.parse(message.publishTime);
    const due = published - (published % 60_000);
    const time = new Date(due).toISOString();
    const decoded: ScheduleEvent = {
      type: 'schedule',
      id: `${target.functionName}@${time}`,
      schedule: target.trigger.schedule.expression,
      time,
      pastDue: target.now - due > PAST_DUE_MS,
      raw: event,
    };

    return [{ id: decoded.id, event: decoded }];
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    return [{ id: event.id, error, raw: event }];
  }
}
