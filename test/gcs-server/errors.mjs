// Error answers in the JSON API's shape, which @google-cloud/storage turns into an ApiError
// whose `code` is the HTTP status.

/** An error the server answers with its own status and reason. */
export class GcsHttpError extends Error {
  /**
   * @param {number} status HTTP status
   * @param {string} reason the JSON API's reason, such as `notFound`
   * @param {string} message a sentence for the client
   */
  constructor(status, reason, message) {
    super(message);
    this.name = 'GcsHttpError';
    this.status = status;
    this.reason = reason;
  }
}

/** @param {string} bucket @param {string} name */
export function notFound(bucket, name) {
  return new GcsHttpError(404, 'notFound', `No such object: ${bucket}/${name}`);
}

/** @param {string} bucket */
export function noBucket(bucket) {
  return new GcsHttpError(404, 'notFound', `The specified bucket ${bucket} does not exist.`);
}

/** The answer to a precondition (ifGenerationMatch and friends) that did not hold. */
export function conditionNotMet() {
  return new GcsHttpError(
    412,
    'conditionNotMet',
    'At least one of the pre-conditions you specified did not hold.',
  );
}

/** @param {string} message */
export function invalid(message) {
  return new GcsHttpError(400, 'invalid', message);
}

/**
 * Writes `error` as a JSON API error body; anything that is not a GcsHttpError is a 500.
 *
 * @param {import('node:http').ServerResponse} res
 * @param {unknown} error
 */
export function sendError(res, error) {
  const known = error instanceof GcsHttpError;
  const status = known ? error.status : 500;
  const reason = known ? error.reason : 'backendError';
  const message = error instanceof Error ? error.message : String(error);
  const body = JSON.stringify({
    error: { code: status, message, errors: [{ domain: 'global', reason, message }] },
  });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
