import { Worker } from 'node:worker_threads';
import { SafeguardError } from '../core/errors.js';
import type { OpenedCase } from '../service/ports/case-store.js';
import type { GroomingStateStore } from '../service/ports/grooming-state-store.js';
import type { RecordWriter, VerdictBatch } from '../service/ports/record-writer.js';
import type {
  GroomingCall,
  RecordRequest,
  RecordResponse,
  RecordThreadData,
} from './record-messages.js';

type Pending = { resolve: (value: unknown) => void; reject: (error: SafeguardError) => void };

/** Under tsx (tests, `npm run dev`) the thread is TypeScript and needs the tsx loader too. */
const runningFromSource = import.meta.url.endsWith('.ts');
const threadUrl = new URL(
  runningFromSource ? './record-thread.ts' : './record-thread.js',
  import.meta.url,
);

/**
 * Does the scan recorder's writes (and the grooming state store's work, `grooming`) on a thread
 * with its own connection to a SQLite file, so the event loop does not stop for the inserts
 * and the fsync of each commit. Writes run in the order asked; a thread that dies fails the
 * writes in flight and is replaced on the next one. The thread starts at the first call.
 */
export class ThreadRecordWriter implements RecordWriter {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly path: string) {}

  async write(batch: VerdictBatch): Promise<OpenedCase[]> {
    return (await this.submit({ id: this.nextId++, kind: 'write', batch })) as OpenedCase[];
  }

  /**
   * The grooming state store on the thread's connection: its saves (a commit each, or a group)
   * and reads do not stop the event loop the way better-sqlite3's calls on the main thread do.
   */
  readonly grooming: GroomingStateStore = {
    getConversation: (...args) => this.callGrooming({ method: 'getConversation', args }),
    saveConversation: (...args) => this.callGrooming({ method: 'saveConversation', args }),
    getAuthor: (...args) => this.callGrooming({ method: 'getAuthor', args }),
  };

  private async callGrooming<T>(call: GroomingCall): Promise<T> {
    return (await this.submit({ id: this.nextId++, kind: 'grooming', ...call })) as T;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const worker = this.worker;
    if (worker) await this.submit({ id: this.nextId++, kind: 'close' }).catch(() => undefined);
    this.closed = true;
    await worker?.terminate();
  }

  private submit(request: RecordRequest): Promise<unknown> {
    if (this.closed) {
      return Promise.reject(new SafeguardError('internal', 'the recording thread is closed'));
    }
    const worker = (this.worker ??= this.spawn());
    return new Promise<unknown>((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      // A busy thread keeps the process alive; an idle one does not.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage(request);
    });
  }

  private spawn(): Worker {
    const workerData: RecordThreadData = { path: this.path };
    const worker = runningFromSource
      ? new Worker(
          // Register tsx inside the thread, then load the TypeScript thread module.
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})` +
            `.then((tsx) => { tsx.register(); return import(${JSON.stringify(threadUrl.href)}); })`,
          { eval: true, workerData },
        )
      : new Worker(threadUrl, { workerData });
    worker.unref();
    worker.on('message', (response: RecordResponse) => {
      const waiter = this.pending.get(response.id);
      if (!waiter) return;
      this.pending.delete(response.id);
      if (this.pending.size === 0) worker.unref();
      if (response.ok) waiter.resolve(response.value);
      else
        waiter.reject(
          new SafeguardError(response.error.code, response.error.message, response.error.details),
        );
    });
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', (code) => {
      this.fail(worker, new Error(`recording thread exited with code ${code}`));
    });
    return worker;
  }

  private fail(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const waiters = [...this.pending.values()];
    this.pending.clear();
    for (const waiter of waiters) {
      waiter.reject(
        new SafeguardError('internal', `recording thread failed: ${error.message}`, undefined, {
          cause: error,
        }),
      );
    }
    void worker.terminate();
  }
}
