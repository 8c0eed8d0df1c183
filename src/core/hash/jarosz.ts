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
      sums[c] += input[b + c];
      sums[c] -= input[l + c];
      output[o + c] = sums[c] / size;
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
