import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Change, ChangeKind, SignalType } from '../service/ports/bank-store.js';
import type { Database } from './database.js';

interface ChangeRow {
  kind: ChangeKind;
  seq: number;
  signal_id: number | null;
  bank_id: number;
  type: SignalType | null;
  value: string | null;
}

/**
 * Changes after `seq`, ascending, at most `limit`: signal additions and removals come from the
 * signal rows themselves, bank changes from bank_changes. One statement, so one snapshot: a
 * writer committing between separate reads could otherwise show a later change without an
 * earlier one, and the reader would move past the earlier one for good.
 */
export async function readChanges(
  db: Kysely<Database>,
  seq: number,
  limit: number,
): Promise<Change[]> {
  const added = db
    .selectFrom('signals')
    .select([
      sql<ChangeKind>`'signal_added'`.as('kind'),
      'added_seq as seq',
      'id as signal_id',
      'bank_id',
      'type',
      'value',
    ])
    .where('added_seq', '>', seq)
    .orderBy('added_seq')
    .limit(limit);
  const removed = db
    .selectFrom('signals')
    .select([
      sql<ChangeKind>`'signal_removed'`.as('kind'),
      sql<number>`removed_seq`.as('seq'),
      'id as signal_id',
      'bank_id',
      'type',
      'value',
    ])
    .where('removed_seq', '>', seq)
    .orderBy('removed_seq')
    .limit(limit);
  const banks = db
    .selectFrom('bank_changes')
    .select([
      sql<ChangeKind>`kind`.as('kind'),
      'seq',
      sql<number | null>`cast(null as bigint)`.as('signal_id'),
      'bank_id',
      sql<SignalType | null>`cast(null as text)`.as('type'),
      sql<string | null>`cast(null as text)`.as('value'),
    ])
    .where('seq', '>', seq)
    .orderBy('seq')
    .limit(limit);
  // Each part is a subquery so that it may carry its own order and limit (SQLite requires it).
  const rows: ChangeRow[] = await db
    .selectFrom(added.as('a'))
    .selectAll()
    .$castTo<ChangeRow>()
    .unionAll(db.selectFrom(removed.as('r')).selectAll().$castTo<ChangeRow>())
    .unionAll(db.selectFrom(banks.as('b')).selectAll().$castTo<ChangeRow>())
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(toChange);
}

function toChange(row: ChangeRow): Change {
  const seq = Number(row.seq);
  const bankId = Number(row.bank_id);
  switch (row.kind) {
    case 'signal_added':
      return {
        seq,
        kind: row.kind,
        signal: {
          id: Number(row.signal_id),
          bankId,
          type: row.type as SignalType,
          value: row.value as string,
        },
      };
    case 'signal_removed':
      return {
        seq,
        kind: row.kind,
        signalId: Number(row.signal_id),
        bankId,
        type: row.type as SignalType,
        value: row.value as string,
      };
    case 'bank_changed':
    case 'bank_deleted':
      return { seq, kind: row.kind, bankId };
  }
}
