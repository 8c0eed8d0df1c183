import type { RawImage } from './luma.js';
import { pdqKernelsWasmBase64 } from './wasm/pdq-kernels-wasm.js';

/**
 * The PDQ kernels in WebAssembly (wasm/pdq-kernels.as, 128-bit SIMD): luma and the two-pass
 * Jarosz filter down to the 64x64 downsample, bit-identical to lumaFromImage +
 * jaroszDownsample and several times faster (README, Performance). The module is compiled
 * once per thread; each PdqScratch (one per hashing thread) has its own instance and memory.
 */

// What this file uses of the WebAssembly API (its types live in lib.dom, not in this project).
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

interface Kernels {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  heapBase(): number;
  workBytes(rows: number, cols: number, windowAlongCols: number): number;
  downsample(
    pixels: number,
    channels: number,
    rows: number,
    cols: number,
    windowAlongRows: number,
    windowAlongCols: number,
    blur: number,
    work: number,
    out: number,
  ): void;
}

const PAGE = 65536;
/** wasm32 addresses 4 GiB. */
const MAX_MEMORY = 4 * 1024 * 1024 * 1024;

let compiled: object | null | undefined;

/** The compiled module, once per thread; null where WebAssembly SIMD is not available. */
function kernelsModule(): object | null {
  if (compiled === undefined) {
    const bytes = Uint8Array.from(atob(pdqKernelsWasmBase64), (c) => c.charCodeAt(0));
    compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

/** Whether this runtime runs the WebAssembly kernels (it needs SIMD: Node 16.4 and later). */
export function pdqWasmSupported(): boolean {
  return kernelsModule() !== null;
}

export interface PdqWasmOptions {
  /**
   * Memory kept between images. An image that needed more leaves its memory to the garbage
   * collector (WebAssembly memory cannot shrink) and the next image gets a fresh instance.
   */
  readonly retainBytes?: number;
}

export class PdqWasm {
  private kernels: Kernels | undefined;
  private readonly retainBytes: number;

  private constructor(
    private readonly module: object,
    options: PdqWasmOptions,
  ) {
    this.retainBytes = options.retainBytes ?? 64 * 1024 * 1024;
  }

  /** Undefined where WebAssembly SIMD is not available. */
  static create(options: PdqWasmOptions = {}): PdqWasm | undefined {
    const module = kernelsModule();
    return module ? new PdqWasm(module, options) : undefined;
  }

  /** Bytes of WebAssembly memory held now (0 between images once over retainBytes). */
  get memoryBytes(): number {
    return this.kernels?.memory.buffer.byteLength ?? 0;
  }

  /**
   * lumaFromImage, then jaroszDownsample with 2 passes (or, with `blur` false, the luma of a
   * 64x64 image as is) into `out` (4096 floats). `image` must be at least 5x5 with a pixel
   * buffer of the right length (lumaFromImage checks it). False, with nothing written, when
   * the image needs more memory than WebAssembly can have: the caller then uses JavaScript.
   */
  downsample(
    image: RawImage,
    windowAlongRows: number,
    windowAlongCols: number,
    blur: boolean,
    out: Float32Array,
  ): boolean {
    const { width: cols, height: rows, channels, data } = image;
    const kernels = this.kernels ?? this.instantiate();
    const pixels = align16(kernels.heapBase());
    // The luma loop reads 16 bytes where it uses 12: pad the pixels.
    const result = align16(pixels + data.length + 16);
    const work = align16(result + 4096 * 4);
    const end = work + kernels.workBytes(rows, cols, windowAlongCols);
    if (end > MAX_MEMORY) return false;
    const have = kernels.memory.buffer.byteLength;
    if (end > have) {
      try {
        kernels.memory.grow(Math.ceil((end - have) / PAGE));
      } catch {
        this.kernels = undefined;
        return false;
      }
    }
    new Uint8Array(kernels.memory.buffer, pixels, data.length).set(data);
    kernels.downsample(
      pixels,
      channels,
      rows,
      cols,
      windowAlongRows,
      windowAlongCols,
      blur ? 1 : 0,
      work,
      result,
    );
    out.set(new Float32Array(kernels.memory.buffer, result, 4096));
    if (kernels.memory.buffer.byteLength > this.retainBytes) this.kernels = undefined;
    return true;
  }

  private instantiate(): Kernels {
    const instance = new WebAssembly.Instance(this.module, {});
    this.kernels = instance.exports as Kernels;
    return this.kernels;
  }
}

function align16(n: number): number {
  return Math.ceil(n / 16) * 16;
}
