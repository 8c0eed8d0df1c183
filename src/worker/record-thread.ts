/**
 * A recording thread: does the scan recorder's writes (scans, cases, audit entries; each batch
 * one transaction) and the grooming state store's reads and writes on its own SQLite
 * connection to the server's database file, so their commits never stop the event loop. WAL lets the
 * connections share the file; SQLite's one write lock (taken by each transaction's first
 * statement) and the audit log's head, re-read once that lock is held, keep the chain whole
 * whichever connection (or process) appends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KyselyGroomingStateStore } from '../store/kysely-grooming-state-store.js';
import { recordVerdicts } from '../store/record-verdicts.js';
import { connect } from '../store/sqlite/connect.js';
import { retryWhileBusy } from '../store/sqlite/retry-busy.js';
import { toErrorBody } from './hash-messages.js';
import type {
  GroomingCall,
  RecordRequest,
  RecordResponse,
  RecordThreadData,
} from './record-messages.js';

const { path } = workerData as RecordThreadData;
// Busy writes fail at once and are retried here every millisecond (retry-busy.ts).
const { db, capabilities } = await connect({ path, busyTimeoutMs: 0 });
const grooming = new KyselyGroomingStateStore(db);

function callGrooming(call: GroomingCall): Promise<unknown> {
  switch (call.method) {
    case 'getConversation':
      return grooming.getConversation(...call.args);
    case 'saveConversation':
      return grooming.saveConversation(...call.args);
    case 'getAuthor':
      return grooming.getAuthor(...call.args);
  }
}

async function handle(request: RecordRequest): Promise<RecordResponse> {
  try {
    let value: unknown;
    switch (request.kind) {
      case 'write':
        value = await retryWhileBusy(() => recordVerdicts(db, capabilities, request.batch));
        break;
      case 'grooming':
        value = await retryWhileBusy(() => callGrooming(request));
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
