import type { AddResult, NewSignal } from '../service/ports/bank-store.js';
import { checkNewSignal } from './bank-store-input.js';
import type { DialectCapabilities } from './dialect-capabilities.js';
import { signalValueKey } from './signal-value-key.js';
import type { WriteContext } from './with-write-transaction.js';

/** Bound parameters per row: bank_id, type, value, value_key, metadata, added_at, added_seq. */
const parametersPerRow = 7;
/** Value bytes per statement: long vPDQ values go a few at a time. */
const maxValueBytesPerStatement = 16 * 1024 * 1024;
/** Rows per statement, below the dialects' parameter limits; bigger statements gain little. */
const maxRowsPerStatement = 2_000;

/**
 * Inserts signals as live, skipping any already live in the bank (or repeated in `signals`):
 * multi-row `insert ... on conflict do nothing`, so memory stays bounded by one batch. Each
 * row is offered the next sequence number; a skipped row leaves its number unused. The bank's
 * live count is left to the caller, who adds `added` once per transaction.
 */
export async function insertSignals(
  context: WriteContext,
  capabilities: DialectCapabilities,
  bankId: number,
  signals: readonly NewSignal[],
): Promise<AddResult> {
  const checked = signals.map(checkNewSignal);
  const rowsPerStatement = Math.min(
    maxRowsPerStatement,
    Math.floor(capabilities.maxBindParameters / parametersPerRow),
  );
  let added = 0;
  for (let start = 0, end = 0; start < checked.length; start = end) {
    let bytes = 0;
    end = start;
    while (end < checked.length && end - start < rowsPerStatement) {
      bytes += checked[end].value.length;
      if (end > start && bytes > maxValueBytesPerStatement) break;
      end++;
    }
    const chunk = checked.slice(start, end);
    const firstSeq = context.takeSeqs(chunk.length);
    const result = await context.trx
      .insertInto('signals')
      .values(
        chunk.map((signal, i) => ({
          bank_id: bankId,
          type: signal.type,
          value: signal.value,
          value_key: signalValueKey(signal.value),
          metadata: signal.metadata,
          added_at: context.now,
          added_seq: firstSeq + i,
        })),
      )
      .onConflict((conflict) =>
        // Only the live-key index: any other conflict is a bug and must fail loudly.
        conflict
          .columns(['bank_id', 'type', 'value_key'])
          .where('removed_seq', 'is', null)
          .doNothing(),
      )
      .executeTakeFirst();
    added += Number(result.numInsertedOrUpdatedRows ?? 0n);
  }
  return { added, duplicates: checked.length - added };
}
