// An 8×8 block of accumulators held in registers: row r, columns 0-3 in r{r}_lo and
// columns 4-7 in r{r}_hi. Shared by the register-blocked GEMM and the 1×1 convolution.
// Sixteen named private variables rather than an array, so that no accumulator is ever
// indexed dynamically and each can stay in a register after inlining.

var<private> r0_lo: vec4<f32>;
var<private> r0_hi: vec4<f32>;
var<private> r1_lo: vec4<f32>;
var<private> r1_hi: vec4<f32>;
var<private> r2_lo: vec4<f32>;
var<private> r2_hi: vec4<f32>;
var<private> r3_lo: vec4<f32>;
var<private> r3_hi: vec4<f32>;
var<private> r4_lo: vec4<f32>;
var<private> r4_hi: vec4<f32>;
var<private> r5_lo: vec4<f32>;
var<private> r5_hi: vec4<f32>;
var<private> r6_lo: vec4<f32>;
var<private> r6_hi: vec4<f32>;
var<private> r7_lo: vec4<f32>;
var<private> r7_hi: vec4<f32>;

// Adds the outer product of one column of the left operand (rows 0-3 and 4-7) and one
// row of the right operand (columns 0-3 and 4-7): 64 multiply-adds, as 16 vec4 fma.
fn accumulate_outer_product(rows_lo: vec4<f32>, rows_hi: vec4<f32>, columns_lo: vec4<f32>, columns_hi: vec4<f32>) {
  r0_lo = fma(vec4<f32>(rows_lo.x), columns_lo, r0_lo);
  r0_hi = fma(vec4<f32>(rows_lo.x), columns_hi, r0_hi);
  r1_lo = fma(vec4<f32>(rows_lo.y), columns_lo, r1_lo);
  r1_hi = fma(vec4<f32>(rows_lo.y), columns_hi, r1_hi);
  r2_lo = fma(vec4<f32>(rows_lo.z), columns_lo, r2_lo);
  r2_hi = fma(vec4<f32>(rows_lo.z), columns_hi, r2_hi);
  r3_lo = fma(vec4<f32>(rows_lo.w), columns_lo, r3_lo);
  r3_hi = fma(vec4<f32>(rows_lo.w), columns_hi, r3_hi);
  r4_lo = fma(vec4<f32>(rows_hi.x), columns_lo, r4_lo);
  r4_hi = fma(vec4<f32>(rows_hi.x), columns_hi, r4_hi);
  r5_lo = fma(vec4<f32>(rows_hi.y), columns_lo, r5_lo);
  r5_hi = fma(vec4<f32>(rows_hi.y), columns_hi, r5_hi);
  r6_lo = fma(vec4<f32>(rows_hi.z), columns_lo, r6_lo);
  r6_hi = fma(vec4<f32>(rows_hi.z), columns_hi, r6_hi);
  r7_lo = fma(vec4<f32>(rows_hi.w), columns_lo, r7_lo);
  r7_hi = fma(vec4<f32>(rows_hi.w), columns_hi, r7_hi);
}

// Row `row` of the block (columns 0-3, then 4-7) by a chain of selects, so that a store loop
// over the rows can read it without indexing the accumulators dynamically.
fn block_row_lo(row: u32) -> vec4<f32> {
  var v = r0_lo;
  v = select(v, r1_lo, row == 1u);
  v = select(v, r2_lo, row == 2u);
  v = select(v, r3_lo, row == 3u);
  v = select(v, r4_lo, row == 4u);
  v = select(v, r5_lo, row == 5u);
  v = select(v, r6_lo, row == 6u);
  v = select(v, r7_lo, row == 7u);
  return v;
}

fn block_row_hi(row: u32) -> vec4<f32> {
  var v = r0_hi;
  v = select(v, r1_hi, row == 1u);
  v = select(v, r2_hi, row == 2u);
  v = select(v, r3_hi, row == 3u);
  v = select(v, r4_hi, row == 4u);
  v = select(v, r5_hi, row == 5u);
  v = select(v, r6_hi, row == 6u);
  v = select(v, r7_hi, row == 7u);
  return v;
}
