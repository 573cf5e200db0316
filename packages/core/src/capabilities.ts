/** Every feature a store, queue or adapter declares, grouped for the capability table. */
export const FEATURES = [
  { id: 'trigger.object-created', group: 'Triggers', title: 'Object created' },
  { id: 'trigger.object-deleted', group: 'Triggers', title: 'Object deleted' },
  { id: 'trigger.queue', group: 'Triggers', title: 'Queue messages' },
  { id: 'trigger.http', group: 'Triggers', title: 'HTTP' },
  { id: 'trigger.schedule', group: 'Triggers', title: 'Schedule (cron, rate)' },
  { id: 'outcome.retry', group: 'Outcomes', title: 'Retry' },
  { id: 'outcome.dead-letter', group: 'Outcomes', title: 'Dead-letter to a bound queue' },
  { id: 'outcome.per-message', group: 'Outcomes', title: 'Per-message outcome in a batch' },
  { id: 'store.range-read', group: 'Store', title: 'Ranged streaming reads' },
  { id: 'store.stream-write', group: 'Store', title: 'Streaming writes' },
  { id: 'store.metadata', group: 'Store', title: 'Content type and metadata' },
  { id: 'store.create-only', group: 'Store', title: 'Create-only writes' },
  { id: 'store.if-match', group: 'Store', title: 'If-match writes' },
  { id: 'store.list', group: 'Store', title: 'Paginated listing' },
  { id: 'store.copy', group: 'Store', title: 'Copy' },
  { id: 'store.signed-url', group: 'Store', title: 'Signed URLs' },
  { id: 'queue.batch-send', group: 'Queue', title: 'Batch send' },
  { id: 'queue.attributes', group: 'Queue', title: 'Message attributes' },
  { id: 'queue.delay', group: 'Queue', title: 'Delayed delivery' },
  { id: 'queue.ordering-key', group: 'Queue', title: 'Ordering key' },
  { id: 'queue.deduplication', group: 'Queue', title: 'Deduplication id' },
  { id: 'queue.redelivery', group: 'Queue', title: 'Redelivery with delivery count' },
  { id: 'queue.stale-settle', group: 'Queue', title: 'Stale settlement refused' },
  { id: 'queue.dead-letter', group: 'Queue', title: 'Dead-letter after the last attempt' },
] as const;

/** The id of a declarable feature. */
export type FeatureId = (typeof FEATURES)[number]['id'];

/** How far an implementation supports a feature. */
export type SupportLevel = 'yes' | 'partial' | 'no';

/** The support of one feature; `partial` and `no` carry a note that says what is missing. */
export type FeatureSupport =
  | { support: 'yes'; note?: string }
  | { support: 'partial' | 'no'; note: string };

/** What one store, queue or adapter supports, feature by feature. */
export interface CapabilityDeclaration {
  /** Short id, such as `local` or `aws`. */
  implementation: string;
  /** Column heading in the capability table. */
  title: string;
  features: Record<FeatureId, FeatureSupport>;
}

/** The declared support of a feature. */
export function supportOf(declaration: CapabilityDeclaration, feature: FeatureId): SupportLevel {
  return declaration.features[feature].support;
}

/** True when the declaration supports the feature fully or in part. */
export function supports(declaration: CapabilityDeclaration, feature: FeatureId): boolean {
  return supportOf(declaration, feature) !== 'no';
}

/** A column of the table whose implementation does not exist yet. */
export interface PlannedColumn {
  title: string;
  planned: true;
}

const CELL: Record<SupportLevel, string> = { yes: 'yes', partial: 'partial', no: 'no' };

/**
 * Renders declarations as a Markdown table, one column each, with notes as footnotes.
 * Planned columns read "not yet".
 */
export function renderCapabilityTable(
  columns: ReadonlyArray<CapabilityDeclaration | PlannedColumn>,
): string {
  const notes: string[] = [];
  const rows = FEATURES.map((feature) => {
    const cells = columns.map((column) => {
      if ('planned' in column) return 'not yet';
      const declared = column.features[feature.id];
      if (!declared.note) return CELL[declared.support];
      notes.push(`${column.title}, ${feature.title}: ${declared.note}`);
      return `${CELL[declared.support]} [${notes.length}]`;
    });
    return [`${feature.group}: ${feature.title}`, ...cells];
  });
  const header = ['feature', ...columns.map((c) => c.title)];
  // Cells are padded to their column's width so that the table reads aligned as plain text
  // and stays as the Markdown formatter would leave it.
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = line(widths.map((w) => '-'.repeat(w)));
  const footnotes = notes.map((note, index) => `[${index + 1}] ${note}`);

  return [line(header), rule, ...rows.map(line), '', ...footnotes].join('\n').trimEnd();
}
