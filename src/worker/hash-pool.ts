import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SafeguardError } from '../core/errors.js';
import type { RawImage } from '../core/hash/luma.js';
import type { HashImageOptions, ImageHashes } from '../service/hash-image.js';
import type { FrameHash, ImageHasher } from '../service/ports/image-hasher.js';
import type { HashRequest, HashResponse } from './hash-messages.js';

type Pending = {
  resolve: (hashes: ImageHashes | FrameHash) => void;
  reject: (error: SafeguardError) => void;
};

interface Slot {
  worker: Worker;
  inFlight: number;
}

/** Under tsx (tests, `npm run dev`) the thread is TypeScript and needs the tsx loader too. */
const runningFromSource = import.meta.url.endsWith('.ts');
const threadUrl = new URL(
  runningFromSource ? './hash-thread.ts' : './hash-thread.js',
  import.meta.url,
);

/**
 * A pool of hashing threads, one per core by default. Requests go to the least busy thread; a
 * thread that dies fails only its own requests and is replaced.
 */
export class HashPool implements ImageHasher {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly owner = new Map<number, Slot>();
  private nextId = 1;
  private closed = false;

  constructor(readonly size: number = availableParallelism()) {
    if (!Number.isInteger(size) || size < 1) {
      throw new SafeguardError('invalid_argument', `thread count must be >= 1, got ${size}`);
    }
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  hashFile(path: string, options: HashImageOptions): Promise<ImageHashes> {
    return this.submit({ id: this.nextId++, kind: 'path', path, options }) as Promise<ImageHashes>;
  }

  hashBytes(bytes: Uint8Array, options: HashImageOptions): Promise<ImageHashes> {
    return this.submit({
      id: this.nextId++,
      kind: 'bytes',
      bytes,
      options,
    }) as Promise<ImageHashes>;
  }

  hashPixels(image: RawImage): Promise<FrameHash> {
    const transfer =
      image.data.byteOffset === 0 && image.data.byteLength === image.data.buffer.byteLength;
    return this.submit(
      { id: this.nextId++, kind: 'pixels', image },
      transfer ? [image.data.buffer as ArrayBuffer] : [],
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private submit(
    request: HashRequest,
    transfer: ArrayBuffer[] = [],
  ): Promise<ImageHashes | FrameHash> {
    if (this.closed) {
      return Promise.reject(new SafeguardError('internal', 'the hashing pool is closed'));
    }
    const slot = this.slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    return new Promise<ImageHashes | FrameHash>((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      this.owner.set(request.id, slot);
      // A busy thread keeps the process alive; an idle one does not.
      if (slot.inFlight++ === 0) slot.worker.ref();
      slot.worker.postMessage(request, transfer);
    });
  }

  private spawn(): Slot {
    const worker = runningFromSource
      ? new Worker(
          // Register tsx inside the thread, then load the TypeScript thread module.
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})` +
            `.then((tsx) => { tsx.register(); return import(${JSON.stringify(threadUrl.href)}); })`,
          { eval: true },
        )
      : new Worker(threadUrl);
    const slot: Slot = { worker, inFlight: 0 };
    worker.unref();
    worker.on('message', (response: HashResponse) => {
      const waiter = this.pending.get(response.id);
      if (!waiter) return;
      this.settle(response.id, slot);
      if (response.ok) waiter.resolve(response.hashes);
      else
        waiter.reject(
          new SafeguardError(response.error.code, response.error.message, response.error.details),
        );
    });
    worker.on('error', (error) => this.failSlot(slot, error));
    worker.on('exit', (code) => {
      if (!this.closed) this.failSlot(slot, new Error(`hashing thread exited with code ${code}`));
    });
    return slot;
  }

  private settle(id: number, slot: Slot): void {
    this.pending.delete(id);
    this.owner.delete(id);
    if (--slot.inFlight === 0) slot.worker.unref();
  }

  private failSlot(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index === -1) return;
    for (const [id, owner] of [...this.owner]) {
      if (owner !== slot) continue;
      const waiter = this.pending.get(id);
      this.settle(id, slot);
      waiter?.reject(
        new SafeguardError('internal', `hashing thread failed: ${error.message}`, undefined, {
          cause: error,
        }),
      );
    }
    void slot.worker.terminate();
    if (!this.closed) this.slots[index] = this.spawn();
  }
}
