// The Jarosz box filters of jarosz.ts in WebAssembly SIMD (AssemblyScript), as building
// blocks for pdq-kernels.as: the same float32 operations in the same order, per row or per
// column, as boxAlongRowsInterleaved, boxAlongRowsSampled and boxAlongCols.
//
// A rows pass puts four rows in the four lanes of a vector: their running sums advance
// together, each lane doing its own row's operations. A columns pass puts four columns in a
// vector. Lane operations are IEEE single precision; no FMA, no relaxed SIMD.

// Column i of four rows, one row per lane.
// @ts-ignore: decorator
@inline
export function gather(b0: usize, b1: usize, b2: usize, b3: usize, i: i32): v128 {
  const o = <usize>i << 2;
  let v = f32x4.splat(load<f32>(b0 + o));
  v = f32x4.replace_lane(v, 1, load<f32>(b1 + o));
  v = f32x4.replace_lane(v, 2, load<f32>(b2 + o));
  return f32x4.replace_lane(v, 3, load<f32>(b3 + o));
}

// Lane q to row q, at column i. Rows repeated in a partial group get the same value twice.
// @ts-ignore: decorator
@inline
export function scatter(o0: usize, o1: usize, o2: usize, o3: usize, i: i32, v: v128): void {
  const o = <usize>i << 2;
  store<f32>(o0 + o, f32x4.extract_lane(v, 0));
  store<f32>(o1 + o, f32x4.extract_lane(v, 1));
  store<f32>(o2 + o, f32x4.extract_lane(v, 2));
  store<f32>(o3 + o, f32x4.extract_lane(v, 3));
}

/**
 * boxAlongRows on four rows (b0..b3 -> o0..o3; a partial group repeats a row). The long
 * middle phase moves 4x4 blocks, transposed in registers.
 */
export function rowsGroup(
  b0: usize,
  b1: usize,
  b2: usize,
  b3: usize,
  o0: usize,
  o1: usize,
  o2: usize,
  o3: usize,
  cols: i32,
  window: i32,
): void {
  const half = (window + 2) / 2;
  const phase1 = half - 1;
  const phase2 = window - half + 1;
  const phase3 = cols - window;
  const phase4 = half - 1;
  let s = f32x4.splat(0);
  let size: i32 = 0;
  let ri = 0;
  let li = 0;
  let oi = 0;
  for (let i = 0; i < phase1; i++, ri++) {
    s = f32x4.add(s, gather(b0, b1, b2, b3, ri));
    size++;
  }
  for (let i = 0; i < phase2; i++, ri++, oi++) {
    s = f32x4.add(s, gather(b0, b1, b2, b3, ri));
    size++;
    scatter(o0, o1, o2, o3, oi, f32x4.div(s, f32x4.splat(<f32>size)));
  }
  const vsize = f32x4.splat(<f32>size);
  let i = 0;
  for (; i + 4 <= phase3; i += 4, ri += 4, li += 4, oi += 4) {
    const ro = <usize>ri << 2;
    const lo = <usize>li << 2;
    // rk, lk: column ri+k, li+k of the four rows.
    let a = v128.load(b0 + ro);
    let b = v128.load(b1 + ro);
    let c = v128.load(b2 + ro);
    let d = v128.load(b3 + ro);
    let ab = f32x4.shuffle(a, b, 0, 4, 1, 5);
    let cd = f32x4.shuffle(c, d, 0, 4, 1, 5);
    const r0 = f32x4.shuffle(ab, cd, 0, 1, 4, 5);
    const r1 = f32x4.shuffle(ab, cd, 2, 3, 6, 7);
    ab = f32x4.shuffle(a, b, 2, 6, 3, 7);
    cd = f32x4.shuffle(c, d, 2, 6, 3, 7);
    const r2 = f32x4.shuffle(ab, cd, 0, 1, 4, 5);
    const r3 = f32x4.shuffle(ab, cd, 2, 3, 6, 7);
    a = v128.load(b0 + lo);
    b = v128.load(b1 + lo);
    c = v128.load(b2 + lo);
    d = v128.load(b3 + lo);
    ab = f32x4.shuffle(a, b, 0, 4, 1, 5);
    cd = f32x4.shuffle(c, d, 0, 4, 1, 5);
    const l0 = f32x4.shuffle(ab, cd, 0, 1, 4, 5);
    const l1 = f32x4.shuffle(ab, cd, 2, 3, 6, 7);
    ab = f32x4.shuffle(a, b, 2, 6, 3, 7);
    cd = f32x4.shuffle(c, d, 2, 6, 3, 7);
    const l2 = f32x4.shuffle(ab, cd, 0, 1, 4, 5);
    const l3 = f32x4.shuffle(ab, cd, 2, 3, 6, 7);
    s = f32x4.sub(f32x4.add(s, r0), l0);
    const q0 = f32x4.div(s, vsize);
    s = f32x4.sub(f32x4.add(s, r1), l1);
    const q1 = f32x4.div(s, vsize);
    s = f32x4.sub(f32x4.add(s, r2), l2);
    const q2 = f32x4.div(s, vsize);
    s = f32x4.sub(f32x4.add(s, r3), l3);
    const q3 = f32x4.div(s, vsize);
    // And back: row k of the block is lane k of q0..q3.
    const oo = <usize>oi << 2;
    ab = f32x4.shuffle(q0, q1, 0, 4, 1, 5);
    cd = f32x4.shuffle(q2, q3, 0, 4, 1, 5);
    v128.store(o0 + oo, f32x4.shuffle(ab, cd, 0, 1, 4, 5));
    v128.store(o1 + oo, f32x4.shuffle(ab, cd, 2, 3, 6, 7));
    ab = f32x4.shuffle(q0, q1, 2, 6, 3, 7);
    cd = f32x4.shuffle(q2, q3, 2, 6, 3, 7);
    v128.store(o2 + oo, f32x4.shuffle(ab, cd, 0, 1, 4, 5));
    v128.store(o3 + oo, f32x4.shuffle(ab, cd, 2, 3, 6, 7));
  }
  for (; i < phase3; i++, ri++, li++, oi++) {
    s = f32x4.sub(f32x4.add(s, gather(b0, b1, b2, b3, ri)), gather(b0, b1, b2, b3, li));
    scatter(o0, o1, o2, o3, oi, f32x4.div(s, vsize));
  }
  for (let i = 0; i < phase4; i++, li++, oi++) {
    s = f32x4.sub(s, gather(b0, b1, b2, b3, li));
    size--;
    scatter(o0, o1, o2, o3, oi, f32x4.div(s, f32x4.splat(<f32>size)));
  }
}

/**
 * boxAlongRowsSampled on four rows: every running sum, but divided only at the 64 sampled
 * columns, into rows `out`, `out` + 256, ... of a rows x 64 matrix (`lanes` of them).
 * `running` holds each output column's sums (one vector per column).
 */
export function rowsSampledGroup(
  b0: usize,
  b1: usize,
  b2: usize,
  b3: usize,
  lanes: i32,
  cols: i32,
  window: i32,
  sampled: usize,
  running: usize,
  out: usize,
): void {
  const half = (window + 2) / 2;
  const phase1 = half - 1;
  const phase2 = window - half + 1;
  const phase3 = cols - window;
  const phase4 = half - 1;
  let s = f32x4.splat(0);
  let ri = 0;
  let li = 0;
  let rp = running;
  for (let i = 0; i < phase1; i++, ri++) s = f32x4.add(s, gather(b0, b1, b2, b3, ri));
  for (let i = 0; i < phase2; i++, ri++, rp += 16) {
    s = f32x4.add(s, gather(b0, b1, b2, b3, ri));
    v128.store(rp, s);
  }
  let i = 0;
  for (; i + 4 <= phase3; i += 4, ri += 4, li += 4, rp += 64) {
    const ro = <usize>ri << 2;
    const lo = <usize>li << 2;
    let a = v128.load(b0 + ro);
    let b = v128.load(b1 + ro);
    let c = v128.load(b2 + ro);
    let d = v128.load(b3 + ro);
    let ab = f32x4.shuffle(a, b, 0, 4, 1, 5);
    let cd = f32x4.shuffle(c, d, 0, 4, 1, 5);
    const r0 = f32x4.shuffle(ab, cd, 0, 1, 4, 5);
    const r1 = f32x4.shuffle(ab, cd, 2, 3, 6, 7);
    ab = f32x4.shuffle(a, b, 2, 6, 3, 7);
    cd = f32x4.shuffle(c, d, 2, 6, 3, 7);
    const r2 = f32x4.shuffle(ab, cd, 0, 1, 4, 5);
    const r3 = f32x4.shuffle(ab, cd, 2, 3, 6, 7);
    a = v128.load(b0 + lo);
    b = v128.load(b1 + lo);
    c = v128.load(b2 + lo);
    d = v128.load(b3 + lo);
    ab = f32x4.shuffle(a, b, 0, 4, 1, 5);
    cd = f32x4.shuffle(c, d, 0, 4, 1, 5);
    const l0 = f32x4.shuffle(ab, cd, 0, 1, 4, 5);
    const l1 = f32x4.shuffle(ab, cd, 2, 3, 6, 7);
    ab = f32x4.shuffle(a, b, 2, 6, 3, 7);
    cd = f32x4.shuffle(c, d, 2, 6, 3, 7);
    const l2 = f32x4.shuffle(ab, cd, 0, 1, 4, 5);
    const l3 = f32x4.shuffle(ab, cd, 2, 3, 6, 7);
    s = f32x4.sub(f32x4.add(s, r0), l0);
    v128.store(rp, s);
    s = f32x4.sub(f32x4.add(s, r1), l1);
    v128.store(rp, s, 16);
    s = f32x4.sub(f32x4.add(s, r2), l2);
    v128.store(rp, s, 32);
    s = f32x4.sub(f32x4.add(s, r3), l3);
    v128.store(rp, s, 48);
  }
  for (; i < phase3; i++, ri++, li++, rp += 16) {
    s = f32x4.sub(f32x4.add(s, gather(b0, b1, b2, b3, ri)), gather(b0, b1, b2, b3, li));
    v128.store(rp, s);
  }
  for (let i = 0; i < phase4; i++, li++, rp += 16) {
    s = f32x4.sub(s, gather(b0, b1, b2, b3, li));
    v128.store(rp, s);
  }
  for (let k = 0; k < 64; k++) {
    const c = load<i32>(sampled + (<usize>k << 2));
    // The window size the full pass divides by at output column c.
    let size = phase1 + phase2;
    if (c < phase2) size = phase1 + c + 1;
    else if (c >= phase2 + phase3) size -= c - phase2 - phase3 + 1;
    const v = f32x4.div(v128.load(running + (<usize>c << 4)), f32x4.splat(<f32>size));
    const o = out + (<usize>k << 2);
    store<f32>(o, f32x4.extract_lane(v, 0));
    if (lanes > 1) store<f32>(o, f32x4.extract_lane(v, 1), 256);
    if (lanes > 2) store<f32>(o, f32x4.extract_lane(v, 2), 512);
    if (lanes > 3) store<f32>(o, f32x4.extract_lane(v, 3), 768);
  }
}

// One row step of a columns pass over `bytes` bytes of row: sums += lead (sub false, emit
// false); then out = sums / size when emitting. With `sub`, sums = (sums + lead) - trail, or
// sums -= trail when lead is 0.
// @ts-ignore: decorator
@inline
export function colStep(
  sums: usize,
  lead: usize,
  trail: usize,
  out: usize,
  bytes: usize,
  size: i32,
  emit: bool,
): void {
  const fs = <f32>size;
  const vs = f32x4.splat(fs);
  const vecEnd = bytes & ~15;
  let c: usize = 0;
  if (lead !== 0 && trail !== 0) {
    for (; c < vecEnd; c += 16) {
      const sum = f32x4.add(v128.load(sums + c), v128.load(lead + c));
      const s = f32x4.sub(sum, v128.load(trail + c));
      v128.store(sums + c, s);
      v128.store(out + c, f32x4.div(s, vs));
    }
    for (; c < bytes; c += 4) {
      const s = load<f32>(sums + c) + load<f32>(lead + c) - load<f32>(trail + c);
      store<f32>(sums + c, s);
      store<f32>(out + c, s / fs);
    }
  } else if (lead !== 0) {
    for (; c < vecEnd; c += 16) {
      const s = f32x4.add(v128.load(sums + c), v128.load(lead + c));
      v128.store(sums + c, s);
      if (emit) v128.store(out + c, f32x4.div(s, vs));
    }
    for (; c < bytes; c += 4) {
      const s = load<f32>(sums + c) + load<f32>(lead + c);
      store<f32>(sums + c, s);
      if (emit) store<f32>(out + c, s / fs);
    }
  } else {
    for (; c < vecEnd; c += 16) {
      const s = f32x4.sub(v128.load(sums + c), v128.load(trail + c));
      v128.store(sums + c, s);
      v128.store(out + c, f32x4.div(s, vs));
    }
    for (; c < bytes; c += 4) {
      const s = load<f32>(sums + c) - load<f32>(trail + c);
      store<f32>(sums + c, s);
      store<f32>(out + c, s / fs);
    }
  }
}

/** boxAlongCols on a whole matrix (the last pass, on rows x 64). */
export function boxAlongCols(
  input: usize,
  output: usize,
  rows: i32,
  cols: i32,
  window: i32,
  sums: usize,
): void {
  const half = (window + 2) / 2;
  const phase1 = half - 1;
  const phase2 = window - half + 1;
  const phase3 = rows - window;
  const phase4 = half - 1;
  const bytes = <usize>cols << 2;
  memory.fill(sums, 0, bytes);
  let size: i32 = 0;
  let rp = input;
  let lp = input;
  let op = output;
  for (let i = 0; i < phase1; i++, rp += bytes) colStep(sums, rp, 0, 0, bytes, ++size, false);
  for (let i = 0; i < phase2; i++, rp += bytes, op += bytes) {
    colStep(sums, rp, 0, op, bytes, ++size, true);
  }
  for (let i = 0; i < phase3; i++, rp += bytes, lp += bytes, op += bytes) {
    colStep(sums, rp, lp, op, bytes, size, true);
  }
  for (let i = 0; i < phase4; i++, lp += bytes, op += bytes) {
    colStep(sums, 0, lp, op, bytes, --size, true);
  }
}
