// A 32×8 block of accumulators held in registers: row r (an output channel) in r{r}_lo
// (columns 0-3) and r{r}_hi (columns 4-7). The 32 row operands of each step arrive as one
// vec4 per lane of an 8-lane subgroup: lane l holds rows 4l..4l+3, and subgroupBroadcast
// hands each row to every lane. On lavapipe (Mesa 25.0.7) every storage load inside a loop
// runs once per lane, so one vec4 per lane costs 1/8 of what each lane loading all 32 rows
// would. Needs the `subgroups` feature, subgroups of at least 8 lanes, and every lane of a
// subgroup in the same 32 rows.

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
var<private> r8_lo: vec4<f32>;
var<private> r8_hi: vec4<f32>;
var<private> r9_lo: vec4<f32>;
var<private> r9_hi: vec4<f32>;
var<private> r10_lo: vec4<f32>;
var<private> r10_hi: vec4<f32>;
var<private> r11_lo: vec4<f32>;
var<private> r11_hi: vec4<f32>;
var<private> r12_lo: vec4<f32>;
var<private> r12_hi: vec4<f32>;
var<private> r13_lo: vec4<f32>;
var<private> r13_hi: vec4<f32>;
var<private> r14_lo: vec4<f32>;
var<private> r14_hi: vec4<f32>;
var<private> r15_lo: vec4<f32>;
var<private> r15_hi: vec4<f32>;
var<private> r16_lo: vec4<f32>;
var<private> r16_hi: vec4<f32>;
var<private> r17_lo: vec4<f32>;
var<private> r17_hi: vec4<f32>;
var<private> r18_lo: vec4<f32>;
var<private> r18_hi: vec4<f32>;
var<private> r19_lo: vec4<f32>;
var<private> r19_hi: vec4<f32>;
var<private> r20_lo: vec4<f32>;
var<private> r20_hi: vec4<f32>;
var<private> r21_lo: vec4<f32>;
var<private> r21_hi: vec4<f32>;
var<private> r22_lo: vec4<f32>;
var<private> r22_hi: vec4<f32>;
var<private> r23_lo: vec4<f32>;
var<private> r23_hi: vec4<f32>;
var<private> r24_lo: vec4<f32>;
var<private> r24_hi: vec4<f32>;
var<private> r25_lo: vec4<f32>;
var<private> r25_hi: vec4<f32>;
var<private> r26_lo: vec4<f32>;
var<private> r26_hi: vec4<f32>;
var<private> r27_lo: vec4<f32>;
var<private> r27_hi: vec4<f32>;
var<private> r28_lo: vec4<f32>;
var<private> r28_hi: vec4<f32>;
var<private> r29_lo: vec4<f32>;
var<private> r29_hi: vec4<f32>;
var<private> r30_lo: vec4<f32>;
var<private> r30_hi: vec4<f32>;
var<private> r31_lo: vec4<f32>;
var<private> r31_hi: vec4<f32>;

// Adds the outer product of 32 rows (4 per lane in `rows`, see above) and one 8-column row of
// the right operand (columns 0-3 and 4-7): 256 multiply-adds per lane.
fn accumulate_subgroup_outer_product(rows: vec4<f32>, columns_lo: vec4<f32>, columns_hi: vec4<f32>) {
  let rows0 = subgroupBroadcast(rows, 0u);
  r0_lo = fma(vec4<f32>(rows0.x), columns_lo, r0_lo);
  r0_hi = fma(vec4<f32>(rows0.x), columns_hi, r0_hi);
  r1_lo = fma(vec4<f32>(rows0.y), columns_lo, r1_lo);
  r1_hi = fma(vec4<f32>(rows0.y), columns_hi, r1_hi);
  r2_lo = fma(vec4<f32>(rows0.z), columns_lo, r2_lo);
  r2_hi = fma(vec4<f32>(rows0.z), columns_hi, r2_hi);
  r3_lo = fma(vec4<f32>(rows0.w), columns_lo, r3_lo);
  r3_hi = fma(vec4<f32>(rows0.w), columns_hi, r3_hi);
  let rows1 = subgroupBroadcast(rows, 1u);
  r4_lo = fma(vec4<f32>(rows1.x), columns_lo, r4_lo);
  r4_hi = fma(vec4<f32>(rows1.x), columns_hi, r4_hi);
  r5_lo = fma(vec4<f32>(rows1.y), columns_lo, r5_lo);
  r5_hi = fma(vec4<f32>(rows1.y), columns_hi, r5_hi);
  r6_lo = fma(vec4<f32>(rows1.z), columns_lo, r6_lo);
  r6_hi = fma(vec4<f32>(rows1.z), columns_hi, r6_hi);
  r7_lo = fma(vec4<f32>(rows1.w), columns_lo, r7_lo);
  r7_hi = fma(vec4<f32>(rows1.w), columns_hi, r7_hi);
  let rows2 = subgroupBroadcast(rows, 2u);
  r8_lo = fma(vec4<f32>(rows2.x), columns_lo, r8_lo);
  r8_hi = fma(vec4<f32>(rows2.x), columns_hi, r8_hi);
  r9_lo = fma(vec4<f32>(rows2.y), columns_lo, r9_lo);
  r9_hi = fma(vec4<f32>(rows2.y), columns_hi, r9_hi);
  r10_lo = fma(vec4<f32>(rows2.z), columns_lo, r10_lo);
  r10_hi = fma(vec4<f32>(rows2.z), columns_hi, r10_hi);
  r11_lo = fma(vec4<f32>(rows2.w), columns_lo, r11_lo);
  r11_hi = fma(vec4<f32>(rows2.w), columns_hi, r11_hi);
  let rows3 = subgroupBroadcast(rows, 3u);
  r12_lo = fma(vec4<f32>(rows3.x), columns_lo, r12_lo);
  r12_hi = fma(vec4<f32>(rows3.x), columns_hi, r12_hi);
  r13_lo = fma(vec4<f32>(rows3.y), columns_lo, r13_lo);
  r13_hi = fma(vec4<f32>(rows3.y), columns_hi, r13_hi);
  r14_lo = fma(vec4<f32>(rows3.z), columns_lo, r14_lo);
  r14_hi = fma(vec4<f32>(rows3.z), columns_hi, r14_hi);
  r15_lo = fma(vec4<f32>(rows3.w), columns_lo, r15_lo);
  r15_hi = fma(vec4<f32>(rows3.w), columns_hi, r15_hi);
  let rows4 = subgroupBroadcast(rows, 4u);
  r16_lo = fma(vec4<f32>(rows4.x), columns_lo, r16_lo);
  r16_hi = fma(vec4<f32>(rows4.x), columns_hi, r16_hi);
  r17_lo = fma(vec4<f32>(rows4.y), columns_lo, r17_lo);
  r17_hi = fma(vec4<f32>(rows4.y), columns_hi, r17_hi);
  r18_lo = fma(vec4<f32>(rows4.z), columns_lo, r18_lo);
  r18_hi = fma(vec4<f32>(rows4.z), columns_hi, r18_hi);
  r19_lo = fma(vec4<f32>(rows4.w), columns_lo, r19_lo);
  r19_hi = fma(vec4<f32>(rows4.w), columns_hi, r19_hi);
  let rows5 = subgroupBroadcast(rows, 5u);
  r20_lo = fma(vec4<f32>(rows5.x), columns_lo, r20_lo);
  r20_hi = fma(vec4<f32>(rows5.x), columns_hi, r20_hi);
  r21_lo = fma(vec4<f32>(rows5.y), columns_lo, r21_lo);
  r21_hi = fma(vec4<f32>(rows5.y), columns_hi, r21_hi);
  r22_lo = fma(vec4<f32>(rows5.z), columns_lo, r22_lo);
  r22_hi = fma(vec4<f32>(rows5.z), columns_hi, r22_hi);
  r23_lo = fma(vec4<f32>(rows5.w), columns_lo, r23_lo);
  r23_hi = fma(vec4<f32>(rows5.w), columns_hi, r23_hi);
  let rows6 = subgroupBroadcast(rows, 6u);
  r24_lo = fma(vec4<f32>(rows6.x), columns_lo, r24_lo);
  r24_hi = fma(vec4<f32>(rows6.x), columns_hi, r24_hi);
  r25_lo = fma(vec4<f32>(rows6.y), columns_lo, r25_lo);
  r25_hi = fma(vec4<f32>(rows6.y), columns_hi, r25_hi);
  r26_lo = fma(vec4<f32>(rows6.z), columns_lo, r26_lo);
  r26_hi = fma(vec4<f32>(rows6.z), columns_hi, r26_hi);
  r27_lo = fma(vec4<f32>(rows6.w), columns_lo, r27_lo);
  r27_hi = fma(vec4<f32>(rows6.w), columns_hi, r27_hi);
  let rows7 = subgroupBroadcast(rows, 7u);
  r28_lo = fma(vec4<f32>(rows7.x), columns_lo, r28_lo);
  r28_hi = fma(vec4<f32>(rows7.x), columns_hi, r28_hi);
  r29_lo = fma(vec4<f32>(rows7.y), columns_lo, r29_lo);
  r29_hi = fma(vec4<f32>(rows7.y), columns_hi, r29_hi);
  r30_lo = fma(vec4<f32>(rows7.z), columns_lo, r30_lo);
  r30_hi = fma(vec4<f32>(rows7.z), columns_hi, r30_hi);
  r31_lo = fma(vec4<f32>(rows7.w), columns_lo, r31_lo);
  r31_hi = fma(vec4<f32>(rows7.w), columns_hi, r31_hi);
}

// Row `row` of the block, columns 0-3, by a chain of selects, so that a store loop over
// the rows can read it without indexing the accumulators dynamically.
fn block32_row_lo(row: u32) -> vec4<f32> {
  var v = r0_lo;
  v = select(v, r1_lo, row == 1u);
  v = select(v, r2_lo, row == 2u);
  v = select(v, r3_lo, row == 3u);
  v = select(v, r4_lo, row == 4u);
  v = select(v, r5_lo, row == 5u);
  v = select(v, r6_lo, row == 6u);
  v = select(v, r7_lo, row == 7u);
  v = select(v, r8_lo, row == 8u);
  v = select(v, r9_lo, row == 9u);
  v = select(v, r10_lo, row == 10u);
  v = select(v, r11_lo, row == 11u);
  v = select(v, r12_lo, row == 12u);
  v = select(v, r13_lo, row == 13u);
  v = select(v, r14_lo, row == 14u);
  v = select(v, r15_lo, row == 15u);
  v = select(v, r16_lo, row == 16u);
  v = select(v, r17_lo, row == 17u);
  v = select(v, r18_lo, row == 18u);
  v = select(v, r19_lo, row == 19u);
  v = select(v, r20_lo, row == 20u);
  v = select(v, r21_lo, row == 21u);
  v = select(v, r22_lo, row == 22u);
  v = select(v, r23_lo, row == 23u);
  v = select(v, r24_lo, row == 24u);
  v = select(v, r25_lo, row == 25u);
  v = select(v, r26_lo, row == 26u);
  v = select(v, r27_lo, row == 27u);
  v = select(v, r28_lo, row == 28u);
  v = select(v, r29_lo, row == 29u);
  v = select(v, r30_lo, row == 30u);
  v = select(v, r31_lo, row == 31u);
  return v;
}

// Row `row` of the block, columns 4-7, by a chain of selects, so that a store loop over
// the rows can read it without indexing the accumulators dynamically.
fn block32_row_hi(row: u32) -> vec4<f32> {
  var v = r0_hi;
  v = select(v, r1_hi, row == 1u);
  v = select(v, r2_hi, row == 2u);
  v = select(v, r3_hi, row == 3u);
  v = select(v, r4_hi, row == 4u);
  v = select(v, r5_hi, row == 5u);
  v = select(v, r6_hi, row == 6u);
  v = select(v, r7_hi, row == 7u);
  v = select(v, r8_hi, row == 8u);
  v = select(v, r9_hi, row == 9u);
  v = select(v, r10_hi, row == 10u);
  v = select(v, r11_hi, row == 11u);
  v = select(v, r12_hi, row == 12u);
  v = select(v, r13_hi, row == 13u);
  v = select(v, r14_hi, row == 14u);
  v = select(v, r15_hi, row == 15u);
  v = select(v, r16_hi, row == 16u);
  v = select(v, r17_hi, row == 17u);
  v = select(v, r18_hi, row == 18u);
  v = select(v, r19_hi, row == 19u);
  v = select(v, r20_hi, row == 20u);
  v = select(v, r21_hi, row == 21u);
  v = select(v, r22_hi, row == 22u);
  v = select(v, r23_hi, row == 23u);
  v = select(v, r24_hi, row == 24u);
  v = select(v, r25_hi, row == 25u);
  v = select(v, r26_hi, row == 26u);
  v = select(v, r27_hi, row == 27u);
  v = select(v, r28_hi, row == 28u);
  v = select(v, r29_hi, row == 29u);
  v = select(v, r30_hi, row == 30u);
  v = select(v, r31_hi, row == 31u);
  return v;
}
