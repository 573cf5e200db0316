import {
  defineFunction,
  definePipeline,
  lazyHandler,
  onMessage,
  onObjectCreated,
  onSchedule,
} from '@cloudport/core';
import { deadLetters, invalidRows, reports, rows, uploads } from './resources.js';

// Each handler is loaded on its first event, so that a bundle built for one function (a Lambda,
// say) loads that function's code and its imports only: the CSV parser is no part of the
// consumers' cold start.

/** Streams each uploaded CSV into batches of valid rows and one message per invalid row. */
const parse = defineFunction({
  trigger: onObjectCreated(uploads, { suffix: '.csv' }),
  handler: lazyHandler(() => import('./parse.js').then((module) => module.parseUpload)),
  uses: [rows, invalidRows, reports],
  deadLetter: deadLetters,
  // The lowest of the providers' ceilings for event-driven functions (Cloud Run functions).
  timeoutSeconds: 540,
});

/** Counts each batch once, as a create-only partial, and finishes files as they complete. */
const aggregate = defineFunction({
  trigger: onMessage(rows, { batchSize: 10, concurrency: 4 }),
  handler: lazyHandler(() => import('./aggregate.js').then((module) => module.aggregateBatch)),
  uses: [reports],
  deadLetter: deadLetters,
});

/** Dead-letters each invalid row with a reason naming its file, line and problem. */
const reject = defineFunction({
  trigger: onMessage(invalidRows, { batchSize: 10, concurrency: 2 }),
  handler: lazyHandler(() => import('./reject.js').then((module) => module.rejectRow)),
  uses: [reports],
  deadLetter: deadLetters,
});

/** Finishes any file a handler could not, and refreshes the overall report. */
const sweep = defineFunction({
  trigger: onSchedule('15 minutes'),
  handler: lazyHandler(() => import('./sweep.js').then((module) => module.sweepReports)),
  uses: [reports],
});

/** The CSV sales-orders pipeline: uploads in, per-file and overall reports out. */
export default definePipeline('csv-etl', { parse, aggregate, reject, sweep });
