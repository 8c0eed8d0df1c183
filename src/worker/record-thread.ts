/**
 * A recording thread: does the scan recorder's writes (scans, cases, audit entries) on its own SQLite connection to the
 * server's database file. WAL lets the two connections share the file; SQLite's one write lock
 * (taken by each transaction's first statement) and the audit log's head, re-read once that
 * lock is held, keep the chain whole whichever connection appends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KyselyAuditLog } from '../store/kysely-audit-log.js';
import { KyselyCaseStore } from '../store/kysely-case-store.js';
import { KyselyScanStore } from '../store/kysely-scan-store.js';
import { connect } from '../store/sqlite/connect.js';
import { toErrorBody } from './hash-messages.js';
import type { RecordRequest, RecordResponse, RecordThreadData } from './record-messages.js';

const { path } = workerData as RecordThreadData;
const { db, capabilities } = await connect({ path });
const scans = new KyselyScanStore(db, capabilities);
const cases = new KyselyCaseStore(db);
const audit = new KyselyAuditLog(db, capabilities);

async function handle(request: RecordRequest): Promise<RecordResponse> {
  try {
    let value: unknown;
    switch (request.kind) {
      case 'scan':
        await scans.record(request.scan);
        break;
      case 'scans':
        await scans.recordMany(request.scans);
        break;
      case 'case':
        value = await cases.open(request.scan);
        break;
      case 'audit':
        await audit.appendMany(request.entries);
        break;
      case 'close':
        await db.destroy();
        break;
    }
    return { id: request.id, ok: true, value };
  } catch (error) {
    return { id: request.id, ok: false, error: toErrorBody(error) };
  }
}

parentPort?.on('message', (request: RecordRequest) => {
  void handle(request).then((response) => parentPort?.postMessage(response));
});
