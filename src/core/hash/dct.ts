/**
 * The 16x64 DCT-II matrix of Meta's PDQ reference:
 * D[i][j] = float32( float32(sqrt(2/64)) * cos((pi/2/64) * (i+1) * (2j+1)) ), evaluated in
 * double and rounded once. Row i is frequency i+1 (the DC row is not used).
 */
function buildDctMatrix(): Float32Array {
  const d = new Float32Array(16 * 64);
  const scale = Math.fround(Math.sqrt(2 / 64));
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) {
      d[i * 64 + j] = scale * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1));
    }
  }
  return d;
}

export const DCT_MATRIX: Readonly<Float32Array> = buildDctMatrix();

/**
 * B = D A D^T for a 64x64 A, in float32 with the reference's summation order: T = D A
 * (16x64), then B = T D^T (16x16). `t` is 16x64 scratch; the result goes to `out` (16x16).
 */
export function dct64To16(
  a: Float32Array,
  out: Float32Array = new Float32Array(256),
  t: Float32Array = new Float32Array(16 * 64),
): Float32Array {
  const f = Math.fround;
  const d = DCT_MATRIX;
  for (let i = 0; i < 16; i++) {
    const di = i * 64;
    for (let j = 0; j < 64; j++) {
      let sum = 0;
      for (let k = 0; k < 64; k++) sum = f(sum + f(d[di + k] * a[k * 64 + j]));
      t[di + j] = sum;
    }
  }
  for (let i = 0; i < 16; i++) {
    const ti = i * 64;
    for (let j = 0; j < 16; j++) {
      const dj = j * 64;
      let sum = 0;
      for (let k = 0; k < 64; k++) sum = f(sum + f(t[ti + k] * d[dj + k]));
      out[i * 16 + j] = sum;
    }
  }
  return out;
}
