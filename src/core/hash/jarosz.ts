/**
 * The Jarosz box filter of Meta's PDQ reference (pdqhashing.cpp), reproduced bit for bit:
 * float32 running sums, the same four phases at the edges, the same division.
 *
 * Float32Array stores round to float32, and one float64 operation on two float32 values
 * rounded to float32 equals the float32 operation, so every expression below either lands in
 * a Float32Array or passes through Math.fround.
 */

/** The reference's window size: ceil-ish of old/(2*new), in integer arithmetic. */
export function jaroszWindowSize(oldDimension: number, newDimension: number): number {
  return Math.trunc((oldDimension + 2 * newDimension - 1) / (2 * newDimension));
}

/** One box pass along each row (stride 1), `input` -> `output`. */
export function boxAlongRows(
  input: Float32Array,
  output: Float32Array,
  rows: number,
  cols: number,
  window: number,
): void {
  const f = Math.fround;
  const half = Math.trunc((window + 2) / 2);
  const phase1 = half - 1;
  const phase2 = window - half + 1;
  const phase3 = cols - window;
  const phase4 = half - 1;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let li = base;
    let ri = base;
    let oi = base;
    let sum = 0;
    let size = 0;
    for (let i = 0; i < phase1; i++) {
      sum = f(sum + input[ri++]);
      size++;
    }
    for (let i = 0; i < phase2; i++) {
      sum = f(sum + input[ri++]);
      size++;
      output[oi++] = sum / size;
    }
    for (let i = 0; i < phase3; i++) {
      sum = f(sum + input[ri++]);
      sum = f(sum - input[li++]);
      output[oi++] = sum / size;
    }
    for (let i = 0; i < phase4; i++) {
      sum = f(sum - input[li++]);
      size--;
      output[oi++] = sum / size;
    }
  }
}

/**
 * One box pass along each column (stride cols). Walks row by row, keeping one float32 running
 * sum per column, so memory is read in order; each column sees exactly the reference's
 * sequence of operations.
 */
export function boxAlongCols(
  input: Float32Array,
  output: Float32Array,
  rows: number,
  cols: number,
  window: number,
  sums: Float32Array = new Float32Array(cols),
): void {
  const half = Math.trunc((window + 2) / 2);
  const phase1 = half - 1;
  const phase2 = window - half + 1;
  const phase3 = rows - window;
  const phase4 = half - 1;
  sums.fill(0, 0, cols);
  let ri = 0; // row index of the right (leading) edge
  let li = 0; // row index of the left (trailing) edge
  let oi = 0; // output row
  let size = 0;
  for (let i = 0; i < phase1; i++, ri++) {
    const b = ri * cols;
    for (let c = 0; c < cols; c++) sums[c] += input[b + c];
    size++;
  }
  for (let i = 0; i < phase2; i++, ri++, oi++) {
    const b = ri * cols;
    const o = oi * cols;
    size++;
    for (let c = 0; c < cols; c++) {
      sums[c] += input[b + c];
      output[o + c] = sums[c] / size;
    }
  }
  for (let i = 0; i < phase3; i++, ri++, li++, oi++) {
    const b = ri * cols;
    const l = li * cols;
    const o = oi * cols;
    for (let c = 0; c < cols; c++) {
      const sum = Math.fround(Math.fround(sums[c] + input[b + c]) - input[l + c]);
      sums[c] = sum;
      output[o + c] = sum / size;
    }
  }
  for (let i = 0; i < phase4; i++, li++, oi++) {
    const l = li * cols;
    const o = oi * cols;
    size--;
    for (let c = 0; c < cols; c++) {
      sums[c] -= input[l + c];
      output[o + c] = sums[c] / size;
    }
  }
}

/**
 * `passes` rounds of rows-then-columns, as the reference's jaroszFilterFloat. The result is
 * left in `a`; `b` is scratch.
 */
export function jaroszFilter(
  a: Float32Array,
  b: Float32Array,
  rows: number,
  cols: number,
  windowAlongRows: number,
  windowAlongCols: number,
  passes: number,
): void {
  const sums = new Float32Array(cols);
  for (let p = 0; p < passes; p++) {
    boxAlongRows(a, b, rows, cols, windowAlongRows);
    boxAlongCols(b, a, rows, cols, windowAlongCols, sums);
  }
}

/**
 * The reference's Jarosz filter followed by its 64x64 decimation, computing only what the
 * decimation reads, with every sample bit-identical to `jaroszFilter` + decimate:
 * - all passes but the last run in full (rows four at a time, to overlap their float32
 *   dependency chains);
 * - the last rows pass keeps its running sums along every row but divides only at the 64
 *   sampled columns, into a rows x 64 matrix;
 * - the last columns pass runs on those 64 columns only.
 * `a` holds the luma on entry and is clobbered; `b` is scratch of the same size.
 */
export function jaroszDownsample(
  a: Float32Array,
  b: Float32Array,
  rows: number,
  cols: number,
  windowAlongRows: number,
  windowAlongCols: number,
  passes: number,
  out: Float32Array,
): void {
  const sums = new Float32Array(Math.max(cols, 64));
  for (let p = 0; p < passes - 1; p++) {
    boxAlongRowsInterleaved(a, b, rows, cols, windowAlongRows);
    boxAlongCols(b, a, rows, cols, windowAlongCols, sums);
  }
  const sampledCols = new Int32Array(64);
  for (let j = 0; j < 64; j++) sampledCols[j] = Math.trunc(((j + 0.5) * cols) / 64);
  const narrow = b.subarray(0, rows * 64);
  boxAlongRowsSampled(a, narrow, rows, cols, windowAlongRows, sampledCols);
  const narrowOut = a.subarray(0, rows * 64);
  boxAlongCols(narrow, narrowOut, rows, 64, windowAlongCols, sums);
  for (let i = 0; i < 64; i++) {
    const ini = Math.trunc(((i + 0.5) * rows) / 64);
    out.set(narrowOut.subarray(ini * 64, ini * 64 + 64), i * 64);
  }
}

/** boxAlongRows, four rows at a time: the same operations per row, interleaved. */
export function boxAlongRowsInterleaved(
  input: Float32Array,
  output: Float32Array,
  rows: number,
  cols: number,
  window: number,
): void {
  const f = Math.fround;
  const half = Math.trunc((window + 2) / 2);
  const phase1 = half - 1;
  const phase2 = window - half + 1;
  const phase3 = cols - window;
  const phase4 = half - 1;
  const quads = rows - (rows % 4);
  for (let r = 0; r < quads; r += 4) {
    const b0 = r * cols;
    const b1 = b0 + cols;
    const b2 = b1 + cols;
    const b3 = b2 + cols;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let ri = 0;
    let li = 0;
    let oi = 0;
    let size = 0;
    for (let i = 0; i < phase1; i++, ri++) {
      s0 = f(s0 + input[b0 + ri]);
      s1 = f(s1 + input[b1 + ri]);
      s2 = f(s2 + input[b2 + ri]);
      s3 = f(s3 + input[b3 + ri]);
      size++;
    }
    for (let i = 0; i < phase2; i++, ri++, oi++) {
      s0 = f(s0 + input[b0 + ri]);
      s1 = f(s1 + input[b1 + ri]);
      s2 = f(s2 + input[b2 + ri]);
      s3 = f(s3 + input[b3 + ri]);
      size++;
      output[b0 + oi] = s0 / size;
      output[b1 + oi] = s1 / size;
      output[b2 + oi] = s2 / size;
      output[b3 + oi] = s3 / size;
    }
    for (let i = 0; i < phase3; i++, ri++, li++, oi++) {
      s0 = f(f(s0 + input[b0 + ri]) - input[b0 + li]);
      s1 = f(f(s1 + input[b1 + ri]) - input[b1 + li]);
      s2 = f(f(s2 + input[b2 + ri]) - input[b2 + li]);
      s3 = f(f(s3 + input[b3 + ri]) - input[b3 + li]);
      output[b0 + oi] = s0 / size;
      output[b1 + oi] = s1 / size;
      output[b2 + oi] = s2 / size;
      output[b3 + oi] = s3 / size;
    }
    for (let i = 0; i < phase4; i++, li++, oi++) {
      s0 = f(s0 - input[b0 + li]);
      s1 = f(s1 - input[b1 + li]);
      s2 = f(s2 - input[b2 + li]);
      s3 = f(s3 - input[b3 + li]);
      size--;
      output[b0 + oi] = s0 / size;
      output[b1 + oi] = s1 / size;
      output[b2 + oi] = s2 / size;
      output[b3 + oi] = s3 / size;
    }
  }
  if (quads < rows) {
    const tail = rows - quads;
    const offset = quads * cols;
    boxAlongRows(
      input.subarray(offset, offset + tail * cols),
      output.subarray(offset, offset + tail * cols),
      tail,
      cols,
      window,
    );
  }
}

/**
 * A rows pass that keeps every running sum but writes only the sampled columns: output is
 * rows x 64, output[r*64 + k] = (the full pass's output at row r, column sampledCols[k]).
 */
export function boxAlongRowsSampled(
  input: Float32Array,
  output: Float32Array,
  rows: number,
  cols: number,
  window: number,
  sampledCols: Int32Array,
): void {
  const f = Math.fround;
  const half = Math.trunc((window + 2) / 2);
  const phase1 = half - 1;
  const phase2 = window - half + 1;
  const phase3 = cols - window;
  const phase4 = half - 1;
  // The window size the full pass divides by at each output column.
  const sizeAt = new Float64Array(cols);
  for (let oi = 0; oi < cols; oi++) {
    if (oi < phase2) sizeAt[oi] = phase1 + oi + 1;
    else if (oi < phase2 + phase3) sizeAt[oi] = phase1 + phase2;
    else sizeAt[oi] = phase1 + phase2 - (oi - phase2 - phase3 + 1);
  }
  // running[q*cols + oi]: row q's running sum when the full pass produces output oi.
  const running = new Float32Array(4 * cols);
  const r1 = cols;
  const r2 = 2 * cols;
  const r3 = 3 * cols;
  const quads = rows - (rows % 4);
  for (let r = 0; r < rows; r += 4) {
    const lanes = r < quads ? 4 : rows - r;
    const b0 = r * cols;
    // Rows past the end (in the last, partial group) read row r again and are not written.
    const b1 = lanes > 1 ? b0 + cols : b0;
    const b2 = lanes > 2 ? b0 + 2 * cols : b0;
    const b3 = lanes > 3 ? b0 + 3 * cols : b0;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let ri = 0;
    let li = 0;
    let oi = 0;
    for (let i = 0; i < phase1; i++, ri++) {
      s0 = f(s0 + input[b0 + ri]);
      s1 = f(s1 + input[b1 + ri]);
      s2 = f(s2 + input[b2 + ri]);
      s3 = f(s3 + input[b3 + ri]);
    }
    for (let i = 0; i < phase2; i++, ri++, oi++) {
      running[oi] = s0 = f(s0 + input[b0 + ri]);
      running[r1 + oi] = s1 = f(s1 + input[b1 + ri]);
      running[r2 + oi] = s2 = f(s2 + input[b2 + ri]);
      running[r3 + oi] = s3 = f(s3 + input[b3 + ri]);
    }
    for (let i = 0; i < phase3; i++, ri++, li++, oi++) {
      running[oi] = s0 = f(f(s0 + input[b0 + ri]) - input[b0 + li]);
      running[r1 + oi] = s1 = f(f(s1 + input[b1 + ri]) - input[b1 + li]);
      running[r2 + oi] = s2 = f(f(s2 + input[b2 + ri]) - input[b2 + li]);
      running[r3 + oi] = s3 = f(f(s3 + input[b3 + ri]) - input[b3 + li]);
    }
    for (let i = 0; i < phase4; i++, li++, oi++) {
      running[oi] = s0 = f(s0 - input[b0 + li]);
      running[r1 + oi] = s1 = f(s1 - input[b1 + li]);
      running[r2 + oi] = s2 = f(s2 - input[b2 + li]);
      running[r3 + oi] = s3 = f(s3 - input[b3 + li]);
    }
    for (let q = 0; q < lanes; q++) {
      const o = (r + q) * 64;
      const rq = q * cols;
      for (let k = 0; k < 64; k++) {
        const c = sampledCols[k];
        output[o + k] = running[rq + c] / sizeAt[c];
      }
    }
  }
}
