import { InvalidNameError } from './errors.js';

/** What a name is for; it appears in error messages. */
export type NameKind = 'pipeline' | 'function' | 'bucket' | 'queue';

/** Shortest allowed name: S3 and Azure container names need three characters. */
export const NAME_MIN_LENGTH = 3;
/** Longest allowed name, so that `<pipeline>-<name>` still fits 63 characters. */
export const NAME_MAX_LENGTH = 30;
/** Longest physical name a deploy derives: GCS buckets and Cloud Functions ids stop at 63. */
export const QUALIFIED_NAME_MAX_LENGTH = 63;

const RESERVED_PREFIXES = ['goog', 'sthree', 'xn--', 'amzn-s3-demo'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '--x-s3'];
// Cloud Storage refuses bucket names that contain "google" or a close misspelling of it.
const RESERVED_WORDS = /g[o0][o0]g[l1][e3]/;
const HYPHEN = 45;
const DIGIT_0 = 48;
const DIGIT_9 = 57;
const LOWER_A = 97;
const LOWER_G = 103;
const LOWER_Z = 122;

interface NameRule {
  id: string;
  test: (name: string) => boolean;
  explain: string;
}

// One grammar that is at once a valid Lambda function name ([A-Za-z0-9-_]{1,64}), a Cloud
// Functions id ([a-z][a-z0-9-]{2,61}[a-z0-9]), an Azure function name, an S3/GCS bucket name,
// an Azure container name (no "--"), an SQS queue, a Pub/Sub topic and a Service Bus queue.
const RULES: NameRule[] = [
  {
    id: 'length',
    test: (n) => n.length >= NAME_MIN_LENGTH && n.length <= NAME_MAX_LENGTH,
    explain: `must be ${NAME_MIN_LENGTH} to ${NAME_MAX_LENGTH} characters long`,
  },
  { id: 'start', test: (n) => /^[a-z]/.test(n), explain: 'must start with a lowercase letter' },
  {
    id: 'charset',
    test: (n) => /^[a-z0-9-]*$/.test(n),
    explain: 'may contain only lowercase letters, digits and hyphens',
  },
  { id: 'end', test: (n) => !n.endsWith('-'), explain: 'must not end with a hyphen' },
  { id: 'double-hyphen', test: (n) => !n.includes('--'), explain: 'must not contain "--"' },
  {
    id: 'reserved-prefix',
    test: (n) => !RESERVED_PREFIXES.some((p) => n.startsWith(p)),
    explain: `must not start with ${RESERVED_PREFIXES.map((p) => `"${p}"`).join(', ')}`,
  },
  {
    id: 'reserved-suffix',
    test: (n) => !RESERVED_SUFFIXES.some((s) => n.endsWith(s)),
    explain: `must not end with ${RESERVED_SUFFIXES.map((s) => `"${s}"`).join(', ')}`,
  },
  {
    id: 'reserved-word',
    test: (n) => !RESERVED_WORDS.test(n),
    explain: 'must not contain "google" or a look-alike such as "g00gle"',
  },
];

/**
 * Checks a name against the portable grammar and throws `INVALID_NAME` naming the broken rule.
 *
 * @example
 * assertName('bucket', 'uploads'); // ok
 * assertName('queue', 'Rows'); // throws: must start with a lowercase letter
 */
export function assertName(kind: NameKind, name: string): void {
  if (typeof name !== 'string') {
    throw new InvalidNameError(String(name), 'type', `The ${kind} name must be a string.`);
  }
  if (followsGrammar(name)) return;
  const rule = brokenRule(name);
  if (rule === undefined) return;

  throw new InvalidNameError(
    name,
    rule.id,
    `The ${kind} name ${JSON.stringify(name)} ${rule.explain} ` +
      '(one grammar keeps names valid on AWS, GCP and Azure alike).',
  );
}

/** True when `name` follows the portable grammar. */
export function isValidName(name: string): boolean {
  return typeof name === 'string' && (followsGrammar(name) || brokenRule(name) === undefined);
}

/** The id and explanation of the first rule `name` breaks, or undefined when it breaks none. */
export function brokenRule(name: string): { id: string; explain: string } | undefined {
  return RULES.find((rule) => !rule.test(name));
}

/**
 * True when `name` passes every rule of the grammar, checked in one pass over its characters
 * with no regular expression (false leaves the verdict to the rules, which also explain it).
 * Every pipeline, function and resource name is checked while a deployed function's module
 * loads, where compiling the rules' expressions and closures costs more than the checks.
 */
export function followsGrammar(name: string): boolean {
  const length = name.length;
  if (length < NAME_MIN_LENGTH || length > NAME_MAX_LENGTH) return false;
  let previous = HYPHEN;
  let gs = 0;
  for (let index = 0; index < length; index++) {
    const code = name.charCodeAt(index);
    const letter = code >= LOWER_A && code <= LOWER_Z;
    if (index === 0 && !letter) return false;
    if (!letter && !(code >= DIGIT_0 && code <= DIGIT_9) && code !== HYPHEN) return false;
    if (code === HYPHEN && previous === HYPHEN) return false;
    if (code === LOWER_G) gs += 1;
    previous = code;
  }
  if (previous === HYPHEN) return false;
  for (const prefix of RESERVED_PREFIXES) if (name.startsWith(prefix)) return false;
  for (const suffix of RESERVED_SUFFIXES) if (name.endsWith(suffix)) return false;

  // The reserved word holds two g's: most names have fewer and skip the expression.
  return gs < 2 || !RESERVED_WORDS.test(name);
}

/** Checks that `<pipeline>-<name>`, the default physical name, stays within provider limits. */
export function assertQualifiedName(kind: NameKind, pipeline: string, name: string): void {
  const qualified = `${pipeline}-${name}`;
  if (qualified.length <= QUALIFIED_NAME_MAX_LENGTH) return;

  throw new InvalidNameError(
    name,
    'qualified-length',
    `The ${kind} name ${JSON.stringify(name)} is too long for pipeline ` +
      `${JSON.stringify(pipeline)}: ` +
      `${JSON.stringify(qualified)} has ${qualified.length} characters, ` +
      `at most ${QUALIFIED_NAME_MAX_LENGTH} are allowed. Shorten either name.`,
  );
}
