import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { runCli } from './processes.js';

/** Where the benchmarked server keeps its data: the embedded SQLite, or a PostgreSQL schema. */
export type BenchStore =
  | { readonly kind: 'sqlite' }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

/**
 * The store the bench's CLI runs and server use, set in this process's environment (children
 * inherit it): SQLite in the data directory (DATABASE_URL removed, so a shell that has one
 * set does not send the bench to PostgreSQL unasked), or a fresh schema of DATABASE_URL.
 */
export function chooseStore(kind: string): BenchStore {
  if (kind === 'sqlite') {
    delete process.env.DATABASE_URL;
    delete process.env.SAFEGUARD_DB_SCHEMA;
    return { kind: 'sqlite' };
  }
  const url = process.env.DATABASE_URL;
  if (kind !== 'postgres' || url === undefined) {
    throw new Error('--store takes sqlite, or postgres with DATABASE_URL set');
  }
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  process.env.SAFEGUARD_DB_SCHEMA = schema;
  return { kind: 'postgres', url, schema };
}

/** Drops the bench's PostgreSQL schema (nothing to do on SQLite: the data directory goes). */
export async function dropStore(store: BenchStore): Promise<void> {
  if (store.kind !== 'postgres') return;
  const client = new pg.Client({ connectionString: store.url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${store.schema} cascade`);
  } finally {
    await client.end();
  }
}

async function countRows(store: BenchStore, dataDir: string, queries: string[]): Promise<number[]> {
  if (store.kind === 'sqlite') {
    const db = new Database(join(dataDir, 'safeguard.sqlite'), { readonly: true });
    try {
      return queries.map((q) => (db.prepare(q).get() as { n: number }).n);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: store.url });
  await client.connect();
  try {
    await client.query(`set search_path to ${store.schema}`);
    const counts: number[] = [];
    for (const q of queries) {
      counts.push(Number((await client.query<{ n: string }>(q)).rows[0].n));
    }
    return counts;
  } finally {
    await client.end();
  }
}

/**
 * After the run: one scan row and one verdict audit entry per 2xx answer, one case per match,
 * and `safeguard audit verify` finds the chain whole.
 */
export async function checkStore(
  cli: string,
  store: BenchStore,
  dataDir: string,
  answers: { ok: number; matches: number },
) {
  const [scans, matched, cases, audited] = await countRows(store, dataDir, [
    'select count(*) as n from scans',
    `select count(*) as n from scans where verdict <> 'allow'`,
    'select count(*) as n from cases',
    `select count(*) as n from audit_log where action = 'scan.verdict'`,
  ]);
  const verify = JSON.parse(
    await runCli(cli, ['--data', dataDir, 'audit', 'verify', '--json'], 120_000),
  ) as { ok: boolean };
  return {
    okResponses: answers.ok,
    matchResponses: answers.matches,
    scansRecorded: scans,
    matchScansRecorded: matched,
    casesOpened: cases,
    verdictAuditEntries: audited,
    auditChainOk: verify.ok,
    consistent:
      scans === answers.ok &&
      audited === answers.ok &&
      matched === answers.matches &&
      cases === answers.matches &&
      verify.ok,
  };
}
