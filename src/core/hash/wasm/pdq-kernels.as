// PDQ's luma and Jarosz box filters, from decoded pixels to the 64x64 downsample, in
// WebAssembly with 128-bit SIMD. AssemblyScript: scripts/build-wasm.js compiles this file
// (with box-filters.as) into pdq-kernels-wasm.ts, and ../pdq-wasm.ts runs it.
//
// Bit-identical to luma.ts + jaroszDownsample (jarosz.ts) with two passes: every value goes
// through the same float32 operations in the same order. An f32x4 lane operation is one IEEE
// single-precision operation, like the reference's C++ float code; nothing here uses FMA or
// relaxed SIMD, and the optimizer (Binaryen, no fast-math) does not reassociate floats.
//
// Streamed by groups of four image rows, so the working set stays in cache:
//   luma of 4 rows -> rows pass 1 -> a ring of the last (window + 4) filtered rows
//   -> columns pass 1, one output row at a time -> groups of 4 rows -> rows pass 2, kept only
//   at the 64 sampled columns -> rows x 64 -> columns pass 2 -> every (rows/64)th row.
//
// No allocator: the caller passes a work area of workBytes(...) bytes.

import { boxAlongCols, colStep, rowsGroup, rowsSampledGroup } from './box-filters';

// float32(0.299), float32(0.587), float32(0.114): the reference's float constants.
const LUMA_R: f32 = reinterpret<f32>(0x3e991687);
const LUMA_G: f32 = reinterpret<f32>(0x3f1645a2);
const LUMA_B: f32 = reinterpret<f32>(0x3de978d5);

/** The first address the caller may use. */
export function heapBase(): usize {
  return __heap_base;
}

// @ts-ignore: decorator
@inline
function align16(n: usize): usize {
  return (n + 15) & ~15;
}

/**
 * Bytes of work area `downsample` needs, as a double: for a very tall image it can pass 4 GiB,
 * and the caller must see that rather than a wrapped 32-bit count.
 */
export function workBytes(rows: i32, cols: i32, windowAlongCols: i32): f64 {
  const stride = <f64>align16(<usize>cols << 2);
  return (
    <f64>(windowAlongCols + 4) * stride + // ring
    8 * stride + // luma group, columns-pass output group
    stride + // column sums
    <f64>cols * 16 + // running sums of the sampled rows pass
    256 + // sampled columns
    2 * (<f64>rows * 64 * 4) + // rows x 64, twice
    256 // column sums of the last pass
  );
}

/** Luma of `n` RGB pixels at `src` into float32 at `dst`; reads up to 4 bytes past the end. */
function lumaFromRgb(src: usize, dst: usize, n: i32): void {
  const vr = f32x4.splat(LUMA_R);
  const vg = f32x4.splat(LUMA_G);
  const vb = f32x4.splat(LUMA_B);
  const zero = i32x4.splat(0);
  let p = 0;
  for (; p + 4 <= n; p += 4) {
    const v = v128.load(src + <usize>(3 * p));
    // Bytes 0,3,6,9 (red of the 4 pixels) into the low byte of each 32-bit lane, and so on.
    const r = i8x16.shuffle(v, zero, 0, 16, 16, 16, 3, 16, 16, 16, 6, 16, 16, 16, 9, 16, 16, 16);
    const g = i8x16.shuffle(v, zero, 1, 16, 16, 16, 4, 16, 16, 16, 7, 16, 16, 16, 10, 16, 16, 16);
    const b = i8x16.shuffle(v, zero, 2, 16, 16, 16, 5, 16, 16, 16, 8, 16, 16, 16, 11, 16, 16, 16);
    const rg = f32x4.add(
      f32x4.mul(f32x4.convert_i32x4_s(r), vr),
      f32x4.mul(f32x4.convert_i32x4_s(g), vg),
    );
    v128.store(dst + (<usize>p << 2), f32x4.add(rg, f32x4.mul(f32x4.convert_i32x4_s(b), vb)));
  }
  for (; p < n; p++) {
    const q = src + <usize>(3 * p);
    const r = <f32>load<u8>(q);
    const g = <f32>load<u8>(q, 1);
    const b = <f32>load<u8>(q, 2);
    store<f32>(dst + (<usize>p << 2), LUMA_R * r + LUMA_G * g + LUMA_B * b);
  }
}

/** A grey image is its own luma. */
function lumaFromGrey(src: usize, dst: usize, n: i32): void {
  let p = 0;
  for (; p + 8 <= n; p += 8) {
    const v = v128.load8x8_u(src + <usize>p);
    const d = dst + (<usize>p << 2);
    v128.store(d, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(v)));
    v128.store(d, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(v)), 16);
  }
  for (; p < n; p++) store<f32>(dst + (<usize>p << 2), <f32>load<u8>(src + <usize>p));
}

/**
 * Luma, two rounds of rows-then-columns box filters, and the 64x64 decimation into `out`
 * (4096 floats), as lumaFromImage + jaroszDownsample(..., passes 2, ...). With `blur` false
 * (a 64x64 image on the plain path) the luma is the downsample. `pixels` (1 or 3 channels)
 * has 16 readable bytes past its end; `work` is workBytes(rows, cols, windowAlongCols) bytes,
 * 16-aligned.
 */
export function downsample(
  pixels: usize,
  channels: i32,
  rows: i32,
  cols: i32,
  windowAlongRows: i32,
  windowAlongCols: i32,
  blur: bool,
  work: usize,
  out: usize,
): void {
  const rowBytes = <usize>cols << 2;
  if (!blur) {
    if (channels === 1) lumaFromGrey(pixels, out, 4096);
    else lumaFromRgb(pixels, out, 4096);
    return;
  }
  const stride = align16(rowBytes);
  const ringRows = windowAlongCols + 4;
  const ring = work;
  const lumaGroup = ring + <usize>ringRows * stride;
  const colGroup = lumaGroup + 4 * stride;
  const sums = colGroup + 4 * stride;
  const running = sums + stride;
  const sampled = running + (<usize>cols << 4);
  const narrow = sampled + 256;
  const narrowOut = narrow + ((<usize>rows * 64) << 2);
  const sums64 = narrowOut + ((<usize>rows * 64) << 2);

  for (let j = 0; j < 64; j++) {
    store<i32>(sampled + (<usize>j << 2), <i32>(((<f64>j + 0.5) * <f64>cols) / 64));
  }
  memory.fill(sums, 0, rowBytes);

  // Columns pass 1, streamed: lead row ri enters, output row oi leaves into colGroup.
  const half = (windowAlongCols + 2) / 2;
  const phase1 = half - 1;
  const phase4 = half - 1;
  let size: i32 = 0;
  let oi = 0;
  for (let r = 0; r < rows; r += 4) {
    const lanes = min(4, rows - r);
    // Luma of the group, then rows pass 1 into the ring.
    const px = pixels + <usize>r * <usize>cols * <usize>channels;
    for (let q = 0; q < lanes; q++) {
      const src = px + <usize>q * <usize>cols * <usize>channels;
      if (channels === 1) lumaFromGrey(src, lumaGroup + <usize>q * stride, cols);
      else lumaFromRgb(src, lumaGroup + <usize>q * stride, cols);
    }
    const b0 = lumaGroup;
    const b1 = lanes > 1 ? b0 + stride : b0;
    const b2 = lanes > 2 ? b0 + 2 * stride : b0;
    const b3 = lanes > 3 ? b0 + 3 * stride : b0;
    const o0 = ring + <usize>(r % ringRows) * stride;
    const o1 = lanes > 1 ? ring + <usize>((r + 1) % ringRows) * stride : o0;
    const o2 = lanes > 2 ? ring + <usize>((r + 2) % ringRows) * stride : o0;
    const o3 = lanes > 3 ? ring + <usize>((r + 3) % ringRows) * stride : o0;
    rowsGroup(b0, b1, b2, b3, o0, o1, o2, o3, cols, windowAlongRows);
    for (let ri = r; ri < r + lanes; ri++) {
      const lead = ring + <usize>(ri % ringRows) * stride;
      if (ri < phase1) {
        colStep(sums, lead, 0, 0, rowBytes, ++size, false);
        continue;
      }
      const outRow = colGroup + <usize>(oi & 3) * stride;
      if (ri < windowAlongCols) {
        colStep(sums, lead, 0, outRow, rowBytes, ++size, true);
      } else {
        const trail = ring + <usize>((ri - windowAlongCols) % ringRows) * stride;
        colStep(sums, lead, trail, outRow, rowBytes, size, true);
      }
      oi++;
      if ((oi & 3) === 0) {
        flush(colGroup, stride, 4, oi - 4, cols, windowAlongRows, sampled, running, narrow);
      }
    }
  }
  for (let i = 0, li = rows - windowAlongCols; i < phase4; i++, li++) {
    const trail = ring + <usize>(li % ringRows) * stride;
    colStep(sums, 0, trail, colGroup + <usize>(oi & 3) * stride, rowBytes, --size, true);
    oi++;
    if ((oi & 3) === 0) {
      flush(colGroup, stride, 4, oi - 4, cols, windowAlongRows, sampled, running, narrow);
    }
  }
  if ((oi & 3) !== 0) {
    flush(colGroup, stride, oi & 3, oi & ~3, cols, windowAlongRows, sampled, running, narrow);
  }

  boxAlongCols(narrow, narrowOut, rows, 64, windowAlongCols, sums64);
  for (let i = 0; i < 64; i++) {
    const ini = <i32>(((<f64>i + 0.5) * <f64>rows) / 64);
    memory.copy(out + ((<usize>i * 64) << 2), narrowOut + ((<usize>ini * 64) << 2), 64 << 2);
  }
}

// Rows pass 2 on the columns pass's output rows first..first+lanes-1, held in `group`.
function flush(
  group: usize,
  stride: usize,
  lanes: i32,
  first: i32,
  cols: i32,
  window: i32,
  sampled: usize,
  running: usize,
  narrow: usize,
): void {
  const b0 = group;
  const b1 = lanes > 1 ? b0 + stride : b0;
  const b2 = lanes > 2 ? b0 + 2 * stride : b0;
  const b3 = lanes > 3 ? b0 + 3 * stride : b0;
  const out = narrow + ((<usize>first * 64) << 2);
  rowsSampledGroup(b0, b1, b2, b3, lanes, cols, window, sampled, running, out);
}
