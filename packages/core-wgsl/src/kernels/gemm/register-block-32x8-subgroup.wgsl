// A 32×8 block of accumulators held in registers: row r (an output channel) in r{r}_lo
// (columns 0-3) and r{r}_hi (columns 4-7, or 4-6 as a vec3 in blocks of 7 columns). The 32 row operands of each step arrive as one
// vec4 per lane of an 8-lane subgroup: lane l holds rows 4l..4l+3, and subgroupBroadcast
// hands each row to every lane. On lavapipe (Mesa 25.0.7) every storage load inside a loop
// runs once per lane, so one vec4 per lane costs 1/8 of what each lane loading all 32 rows
// would. Needs the `subgroups` feature, subgroups of at least 8 lanes, and every lane of a
// subgroup in the same 32 rows. Callers may return early for whole subgroups, which Tint's
// uniformity analysis cannot tell from a divergent return, so the accumulate functions turn
// its subgroup_uniformity check off.
// The block can be cut to 16 or 24 rows (lanes 0-3 or 0-5 hold the operands): without
// BLOCK_HAS_ROWS_24_31 rows 24-31 are never computed, and without BLOCK_HAS_ROWS_16_23 rows 16-23
// neither. A layer with 16 or 24 output channels then skips the work on rows it would discard.

#if BLOCK_7_COLUMNS
// Blocks of 7 columns: the high half contains columns 4-6.
alias BlockHi = vec3<f32>;

// Columns 4-7 of the block, with 0 for the missing eighth column.
fn widen_hi(v: BlockHi) -> vec4<f32> {
  return vec4<f32>(v, 0.0);
}
#else
alias BlockHi = vec4<f32>;

fn widen_hi(v: BlockHi) -> vec4<f32> {
  return v;
}
#endif

var<private> r0_lo: vec4<f32>;
var<private> r0_hi: BlockHi;
var<private> r1_lo: vec4<f32>;
var<private> r1_hi: BlockHi;
var<private> r2_lo: vec4<f32>;
var<private> r2_hi: BlockHi;
var<private> r3_lo: vec4<f32>;
var<private> r3_hi: BlockHi;
var<private> r4_lo: vec4<f32>;
var<private> r4_hi: BlockHi;
var<private> r5_lo: vec4<f32>;
var<private> r5_hi: BlockHi;
var<private> r6_lo: vec4<f32>;
var<private> r6_hi: BlockHi;
var<private> r7_lo: vec4<f32>;
var<private> r7_hi: BlockHi;
var<private> r8_lo: vec4<f32>;
var<private> r8_hi: BlockHi;
var<private> r9_lo: vec4<f32>;
var<private> r9_hi: BlockHi;
var<private> r10_lo: vec4<f32>;
var<private> r10_hi: BlockHi;
var<private> r11_lo: vec4<f32>;
var<private> r11_hi: BlockHi;
var<private> r12_lo: vec4<f32>;
var<private> r12_hi: BlockHi;
var<private> r13_lo: vec4<f32>;
var<private> r13_hi: BlockHi;
var<private> r14_lo: vec4<f32>;
var<private> r14_hi: BlockHi;
var<private> r15_lo: vec4<f32>;
var<private> r15_hi: BlockHi;
var<private> r16_lo: vec4<f32>;
var<private> r16_hi: BlockHi;
var<private> r17_lo: vec4<f32>;
var<private> r17_hi: BlockHi;
var<private> r18_lo: vec4<f32>;
var<private> r18_hi: BlockHi;
var<private> r19_lo: vec4<f32>;
var<private> r19_hi: BlockHi;
var<private> r20_lo: vec4<f32>;
var<private> r20_hi: BlockHi;
var<private> r21_lo: vec4<f32>;
var<private> r21_hi: BlockHi;
var<private> r22_lo: vec4<f32>;
var<private> r22_hi: BlockHi;
var<private> r23_lo: vec4<f32>;
var<private> r23_hi: BlockHi;
var<private> r24_lo: vec4<f32>;
var<private> r24_hi: BlockHi;
var<private> r25_lo: vec4<f32>;
var<private> r25_hi: BlockHi;
var<private> r26_lo: vec4<f32>;
var<private> r26_hi: BlockHi;
var<private> r27_lo: vec4<f32>;
var<private> r27_hi: BlockHi;
var<private> r28_lo: vec4<f32>;
var<private> r28_hi: BlockHi;
var<private> r29_lo: vec4<f32>;
var<private> r29_hi: BlockHi;
var<private> r30_lo: vec4<f32>;
var<private> r30_hi: BlockHi;
var<private> r31_lo: vec4<f32>;
var<private> r31_hi: BlockHi;

// Adds the outer product of 32 rows (4 per lane in `rows`, see above) and one 8-column row of
// the right operand (columns 0-3 and 4-7): 256 multiply-adds per lane.
@diagnostic(off, subgroup_uniformity)
fn accumulate_subgroup_outer_product(rows: vec4<f32>, columns_lo: vec4<f32>, columns_hi: BlockHi) {
  let rows0 = subgroupBroadcast(rows, 0u);
  r0_lo = fma(vec4<f32>(rows0.x), columns_lo, r0_lo);
  r0_hi = fma(BlockHi(rows0.x), columns_hi, r0_hi);
  r1_lo = fma(vec4<f32>(rows0.y), columns_lo, r1_lo);
  r1_hi = fma(BlockHi(rows0.y), columns_hi, r1_hi);
  r2_lo = fma(vec4<f32>(rows0.z), columns_lo, r2_lo);
  r2_hi = fma(BlockHi(rows0.z), columns_hi, r2_hi);
  r3_lo = fma(vec4<f32>(rows0.w), columns_lo, r3_lo);
  r3_hi = fma(BlockHi(rows0.w), columns_hi, r3_hi);
  let rows1 = subgroupBroadcast(rows, 1u);
  r4_lo = fma(vec4<f32>(rows1.x), columns_lo, r4_lo);
  r4_hi = fma(BlockHi(rows1.x), columns_hi, r4_hi);
  r5_lo = fma(vec4<f32>(rows1.y), columns_lo, r5_lo);
  r5_hi = fma(BlockHi(rows1.y), columns_hi, r5_hi);
  r6_lo = fma(vec4<f32>(rows1.z), columns_lo, r6_lo);
  r6_hi = fma(BlockHi(rows1.z), columns_hi, r6_hi);
  r7_lo = fma(vec4<f32>(rows1.w), columns_lo, r7_lo);
  r7_hi = fma(BlockHi(rows1.w), columns_hi, r7_hi);
  let rows2 = subgroupBroadcast(rows, 2u);
  r8_lo = fma(vec4<f32>(rows2.x), columns_lo, r8_lo);
  r8_hi = fma(BlockHi(rows2.x), columns_hi, r8_hi);
  r9_lo = fma(vec4<f32>(rows2.y), columns_lo, r9_lo);
  r9_hi = fma(BlockHi(rows2.y), columns_hi, r9_hi);
  r10_lo = fma(vec4<f32>(rows2.z), columns_lo, r10_lo);
  r10_hi = fma(BlockHi(rows2.z), columns_hi, r10_hi);
  r11_lo = fma(vec4<f32>(rows2.w), columns_lo, r11_lo);
  r11_hi = fma(BlockHi(rows2.w), columns_hi, r11_hi);
  let rows3 = subgroupBroadcast(rows, 3u);
  r12_lo = fma(vec4<f32>(rows3.x), columns_lo, r12_lo);
  r12_hi = fma(BlockHi(rows3.x), columns_hi, r12_hi);
  r13_lo = fma(vec4<f32>(rows3.y), columns_lo, r13_lo);
  r13_hi = fma(BlockHi(rows3.y), columns_hi, r13_hi);
  r14_lo = fma(vec4<f32>(rows3.z), columns_lo, r14_lo);
  r14_hi = fma(BlockHi(rows3.z), columns_hi, r14_hi);
  r15_lo = fma(vec4<f32>(rows3.w), columns_lo, r15_lo);
  r15_hi = fma(BlockHi(rows3.w), columns_hi, r15_hi);
#if BLOCK_HAS_ROWS_16_23
  let rows4 = subgroupBroadcast(rows, 4u);
  r16_lo = fma(vec4<f32>(rows4.x), columns_lo, r16_lo);
  r16_hi = fma(BlockHi(rows4.x), columns_hi, r16_hi);
  r17_lo = fma(vec4<f32>(rows4.y), columns_lo, r17_lo);
  r17_hi = fma(BlockHi(rows4.y), columns_hi, r17_hi);
  r18_lo = fma(vec4<f32>(rows4.z), columns_lo, r18_lo);
  r18_hi = fma(BlockHi(rows4.z), columns_hi, r18_hi);
  r19_lo = fma(vec4<f32>(rows4.w), columns_lo, r19_lo);
  r19_hi = fma(BlockHi(rows4.w), columns_hi, r19_hi);
  let rows5 = subgroupBroadcast(rows, 5u);
  r20_lo = fma(vec4<f32>(rows5.x), columns_lo, r20_lo);
  r20_hi = fma(BlockHi(rows5.x), columns_hi, r20_hi);
  r21_lo = fma(vec4<f32>(rows5.y), columns_lo, r21_lo);
  r21_hi = fma(BlockHi(rows5.y), columns_hi, r21_hi);
  r22_lo = fma(vec4<f32>(rows5.z), columns_lo, r22_lo);
  r22_hi = fma(BlockHi(rows5.z), columns_hi, r22_hi);
  r23_lo = fma(vec4<f32>(rows5.w), columns_lo, r23_lo);
  r23_hi = fma(BlockHi(rows5.w), columns_hi, r23_hi);
#endif
#if BLOCK_HAS_ROWS_24_31
  let rows6 = subgroupBroadcast(rows, 6u);
  r24_lo = fma(vec4<f32>(rows6.x), columns_lo, r24_lo);
  r24_hi = fma(BlockHi(rows6.x), columns_hi, r24_hi);
  r25_lo = fma(vec4<f32>(rows6.y), columns_lo, r25_lo);
  r25_hi = fma(BlockHi(rows6.y), columns_hi, r25_hi);
  r26_lo = fma(vec4<f32>(rows6.z), columns_lo, r26_lo);
  r26_hi = fma(BlockHi(rows6.z), columns_hi, r26_hi);
  r27_lo = fma(vec4<f32>(rows6.w), columns_lo, r27_lo);
  r27_hi = fma(BlockHi(rows6.w), columns_hi, r27_hi);
  let rows7 = subgroupBroadcast(rows, 7u);
  r28_lo = fma(vec4<f32>(rows7.x), columns_lo, r28_lo);
  r28_hi = fma(BlockHi(rows7.x), columns_hi, r28_hi);
  r29_lo = fma(vec4<f32>(rows7.y), columns_lo, r29_lo);
  r29_hi = fma(BlockHi(rows7.y), columns_hi, r29_hi);
  r30_lo = fma(vec4<f32>(rows7.z), columns_lo, r30_lo);
  r30_hi = fma(BlockHi(rows7.z), columns_hi, r30_hi);
  r31_lo = fma(vec4<f32>(rows7.w), columns_lo, r31_lo);
  r31_hi = fma(BlockHi(rows7.w), columns_hi, r31_hi);
#endif
}

// Adds two steps' outer products (rows `rows_a` with columns `a_lo`/`a_hi`, then `rows_b` with
// `b_lo`/`b_hi`) with each accumulator's two multiply-adds next to each other, so that a
// spilled accumulator is loaded and stored once for both steps.
@diagnostic(off, subgroup_uniformity)
fn accumulate_subgroup_outer_product2(rows_a: vec4<f32>, a_lo: vec4<f32>, a_hi: BlockHi, rows_b: vec4<f32>, b_lo: vec4<f32>, b_hi: BlockHi) {
  let ra0 = subgroupBroadcast(rows_a, 0u);
  let rb0 = subgroupBroadcast(rows_b, 0u);
  r0_lo = fma(vec4<f32>(rb0.x), b_lo, fma(vec4<f32>(ra0.x), a_lo, r0_lo));
  r0_hi = fma(BlockHi(rb0.x), b_hi, fma(BlockHi(ra0.x), a_hi, r0_hi));
  r1_lo = fma(vec4<f32>(rb0.y), b_lo, fma(vec4<f32>(ra0.y), a_lo, r1_lo));
  r1_hi = fma(BlockHi(rb0.y), b_hi, fma(BlockHi(ra0.y), a_hi, r1_hi));
  r2_lo = fma(vec4<f32>(rb0.z), b_lo, fma(vec4<f32>(ra0.z), a_lo, r2_lo));
  r2_hi = fma(BlockHi(rb0.z), b_hi, fma(BlockHi(ra0.z), a_hi, r2_hi));
  r3_lo = fma(vec4<f32>(rb0.w), b_lo, fma(vec4<f32>(ra0.w), a_lo, r3_lo));
  r3_hi = fma(BlockHi(rb0.w), b_hi, fma(BlockHi(ra0.w), a_hi, r3_hi));
  let ra1 = subgroupBroadcast(rows_a, 1u);
  let rb1 = subgroupBroadcast(rows_b, 1u);
  r4_lo = fma(vec4<f32>(rb1.x), b_lo, fma(vec4<f32>(ra1.x), a_lo, r4_lo));
  r4_hi = fma(BlockHi(rb1.x), b_hi, fma(BlockHi(ra1.x), a_hi, r4_hi));
  r5_lo = fma(vec4<f32>(rb1.y), b_lo, fma(vec4<f32>(ra1.y), a_lo, r5_lo));
  r5_hi = fma(BlockHi(rb1.y), b_hi, fma(BlockHi(ra1.y), a_hi, r5_hi));
  r6_lo = fma(vec4<f32>(rb1.z), b_lo, fma(vec4<f32>(ra1.z), a_lo, r6_lo));
  r6_hi = fma(BlockHi(rb1.z), b_hi, fma(BlockHi(ra1.z), a_hi, r6_hi));
  r7_lo = fma(vec4<f32>(rb1.w), b_lo, fma(vec4<f32>(ra1.w), a_lo, r7_lo));
  r7_hi = fma(BlockHi(rb1.w), b_hi, fma(BlockHi(ra1.w), a_hi, r7_hi));
  let ra2 = subgroupBroadcast(rows_a, 2u);
  let rb2 = subgroupBroadcast(rows_b, 2u);
  r8_lo = fma(vec4<f32>(rb2.x), b_lo, fma(vec4<f32>(ra2.x), a_lo, r8_lo));
  r8_hi = fma(BlockHi(rb2.x), b_hi, fma(BlockHi(ra2.x), a_hi, r8_hi));
  r9_lo = fma(vec4<f32>(rb2.y), b_lo, fma(vec4<f32>(ra2.y), a_lo, r9_lo));
  r9_hi = fma(BlockHi(rb2.y), b_hi, fma(BlockHi(ra2.y), a_hi, r9_hi));
  r10_lo = fma(vec4<f32>(rb2.z), b_lo, fma(vec4<f32>(ra2.z), a_lo, r10_lo));
  r10_hi = fma(BlockHi(rb2.z), b_hi, fma(BlockHi(ra2.z), a_hi, r10_hi));
  r11_lo = fma(vec4<f32>(rb2.w), b_lo, fma(vec4<f32>(ra2.w), a_lo, r11_lo));
  r11_hi = fma(BlockHi(rb2.w), b_hi, fma(BlockHi(ra2.w), a_hi, r11_hi));
  let ra3 = subgroupBroadcast(rows_a, 3u);
  let rb3 = subgroupBroadcast(rows_b, 3u);
  r12_lo = fma(vec4<f32>(rb3.x), b_lo, fma(vec4<f32>(ra3.x), a_lo, r12_lo));
  r12_hi = fma(BlockHi(rb3.x), b_hi, fma(BlockHi(ra3.x), a_hi, r12_hi));
  r13_lo = fma(vec4<f32>(rb3.y), b_lo, fma(vec4<f32>(ra3.y), a_lo, r13_lo));
  r13_hi = fma(BlockHi(rb3.y), b_hi, fma(BlockHi(ra3.y), a_hi, r13_hi));
  r14_lo = fma(vec4<f32>(rb3.z), b_lo, fma(vec4<f32>(ra3.z), a_lo, r14_lo));
  r14_hi = fma(BlockHi(rb3.z), b_hi, fma(BlockHi(ra3.z), a_hi, r14_hi));
  r15_lo = fma(vec4<f32>(rb3.w), b_lo, fma(vec4<f32>(ra3.w), a_lo, r15_lo));
  r15_hi = fma(BlockHi(rb3.w), b_hi, fma(BlockHi(ra3.w), a_hi, r15_hi));
#if BLOCK_HAS_ROWS_16_23
  let ra4 = subgroupBroadcast(rows_a, 4u);
  let rb4 = subgroupBroadcast(rows_b, 4u);
  r16_lo = fma(vec4<f32>(rb4.x), b_lo, fma(vec4<f32>(ra4.x), a_lo, r16_lo));
  r16_hi = fma(BlockHi(rb4.x), b_hi, fma(BlockHi(ra4.x), a_hi, r16_hi));
  r17_lo = fma(vec4<f32>(rb4.y), b_lo, fma(vec4<f32>(ra4.y), a_lo, r17_lo));
  r17_hi = fma(BlockHi(rb4.y), b_hi, fma(BlockHi(ra4.y), a_hi, r17_hi));
  r18_lo = fma(vec4<f32>(rb4.z), b_lo, fma(vec4<f32>(ra4.z), a_lo, r18_lo));
  r18_hi = fma(BlockHi(rb4.z), b_hi, fma(BlockHi(ra4.z), a_hi, r18_hi));
  r19_lo = fma(vec4<f32>(rb4.w), b_lo, fma(vec4<f32>(ra4.w), a_lo, r19_lo));
  r19_hi = fma(BlockHi(rb4.w), b_hi, fma(BlockHi(ra4.w), a_hi, r19_hi));
  let ra5 = subgroupBroadcast(rows_a, 5u);
  let rb5 = subgroupBroadcast(rows_b, 5u);
  r20_lo = fma(vec4<f32>(rb5.x), b_lo, fma(vec4<f32>(ra5.x), a_lo, r20_lo));
  r20_hi = fma(BlockHi(rb5.x), b_hi, fma(BlockHi(ra5.x), a_hi, r20_hi));
  r21_lo = fma(vec4<f32>(rb5.y), b_lo, fma(vec4<f32>(ra5.y), a_lo, r21_lo));
  r21_hi = fma(BlockHi(rb5.y), b_hi, fma(BlockHi(ra5.y), a_hi, r21_hi));
  r22_lo = fma(vec4<f32>(rb5.z), b_lo, fma(vec4<f32>(ra5.z), a_lo, r22_lo));
  r22_hi = fma(BlockHi(rb5.z), b_hi, fma(BlockHi(ra5.z), a_hi, r22_hi));
  r23_lo = fma(vec4<f32>(rb5.w), b_lo, fma(vec4<f32>(ra5.w), a_lo, r23_lo));
  r23_hi = fma(BlockHi(rb5.w), b_hi, fma(BlockHi(ra5.w), a_hi, r23_hi));
#endif
#if BLOCK_HAS_ROWS_24_31
  let ra6 = subgroupBroadcast(rows_a, 6u);
  let rb6 = subgroupBroadcast(rows_b, 6u);
  r24_lo = fma(vec4<f32>(rb6.x), b_lo, fma(vec4<f32>(ra6.x), a_lo, r24_lo));
  r24_hi = fma(BlockHi(rb6.x), b_hi, fma(BlockHi(ra6.x), a_hi, r24_hi));
  r25_lo = fma(vec4<f32>(rb6.y), b_lo, fma(vec4<f32>(ra6.y), a_lo, r25_lo));
  r25_hi = fma(BlockHi(rb6.y), b_hi, fma(BlockHi(ra6.y), a_hi, r25_hi));
  r26_lo = fma(vec4<f32>(rb6.z), b_lo, fma(vec4<f32>(ra6.z), a_lo, r26_lo));
  r26_hi = fma(BlockHi(rb6.z), b_hi, fma(BlockHi(ra6.z), a_hi, r26_hi));
  r27_lo = fma(vec4<f32>(rb6.w), b_lo, fma(vec4<f32>(ra6.w), a_lo, r27_lo));
  r27_hi = fma(BlockHi(rb6.w), b_hi, fma(BlockHi(ra6.w), a_hi, r27_hi));
  let ra7 = subgroupBroadcast(rows_a, 7u);
  let rb7 = subgroupBroadcast(rows_b, 7u);
  r28_lo = fma(vec4<f32>(rb7.x), b_lo, fma(vec4<f32>(ra7.x), a_lo, r28_lo));
  r28_hi = fma(BlockHi(rb7.x), b_hi, fma(BlockHi(ra7.x), a_hi, r28_hi));
  r29_lo = fma(vec4<f32>(rb7.y), b_lo, fma(vec4<f32>(ra7.y), a_lo, r29_lo));
  r29_hi = fma(BlockHi(rb7.y), b_hi, fma(BlockHi(ra7.y), a_hi, r29_hi));
  r30_lo = fma(vec4<f32>(rb7.z), b_lo, fma(vec4<f32>(ra7.z), a_lo, r30_lo));
  r30_hi = fma(BlockHi(rb7.z), b_hi, fma(BlockHi(ra7.z), a_hi, r30_hi));
  r31_lo = fma(vec4<f32>(rb7.w), b_lo, fma(vec4<f32>(ra7.w), a_lo, r31_lo));
  r31_hi = fma(BlockHi(rb7.w), b_hi, fma(BlockHi(ra7.w), a_hi, r31_hi));
#endif
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
#if BLOCK_HAS_ROWS_16_23
  v = select(v, r16_lo, row == 16u);
  v = select(v, r17_lo, row == 17u);
  v = select(v, r18_lo, row == 18u);
  v = select(v, r19_lo, row == 19u);
  v = select(v, r20_lo, row == 20u);
  v = select(v, r21_lo, row == 21u);
  v = select(v, r22_lo, row == 22u);
  v = select(v, r23_lo, row == 23u);
#endif
#if BLOCK_HAS_ROWS_24_31
  v = select(v, r24_lo, row == 24u);
  v = select(v, r25_lo, row == 25u);
  v = select(v, r26_lo, row == 26u);
  v = select(v, r27_lo, row == 27u);
  v = select(v, r28_lo, row == 28u);
  v = select(v, r29_lo, row == 29u);
  v = select(v, r30_lo, row == 30u);
  v = select(v, r31_lo, row == 31u);
#endif
  return v;
}

// Row `row` of the block, columns 4-7, by a chain of selects, so that a store loop over
// the rows can read it without indexing the accumulators dynamically.
fn block32_row_hi(row: u32) -> vec4<f32> {
  var v: BlockHi = r0_hi;
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
#if BLOCK_HAS_ROWS_16_23
  v = select(v, r16_hi, row == 16u);
  v = select(v, r17_hi, row == 17u);
  v = select(v, r18_hi, row == 18u);
  v = select(v, r19_hi, row == 19u);
  v = select(v, r20_hi, row == 20u);
  v = select(v, r21_hi, row == 21u);
  v = select(v, r22_hi, row == 22u);
  v = select(v, r23_hi, row == 23u);
#endif
#if BLOCK_HAS_ROWS_24_31
  v = select(v, r24_hi, row == 24u);
  v = select(v, r25_hi, row == 25u);
  v = select(v, r26_hi, row == 26u);
  v = select(v, r27_hi, row == 27u);
  v = select(v, r28_hi, row == 28u);
  v = select(v, r29_hi, row == 29u);
  v = select(v, r30_hi, row == 30u);
  v = select(v, r31_hi, row == 31u);
#endif
  return widen_hi(v);
}

// Rows 4·group .. 4·group + 3 of the block as [row 0 lo, row 0 hi, row 1 lo, ..., row 3 hi], by
// a chain over the 8 groups: a store loop over groups of 4 rows picks 7 times per group instead
// of 31 times per row.
fn block32_rows4(group: u32) -> array<vec4<f32>, 8> {
  var rows = array<vec4<f32>, 8>(r0_lo, widen_hi(r0_hi), r1_lo, widen_hi(r1_hi), r2_lo, widen_hi(r2_hi), r3_lo, widen_hi(r3_hi));
  if (group == 1u) {
    rows = array<vec4<f32>, 8>(r4_lo, widen_hi(r4_hi), r5_lo, widen_hi(r5_hi), r6_lo, widen_hi(r6_hi), r7_lo, widen_hi(r7_hi));
  }
  if (group == 2u) {
    rows = array<vec4<f32>, 8>(r8_lo, widen_hi(r8_hi), r9_lo, widen_hi(r9_hi), r10_lo, widen_hi(r10_hi), r11_lo, widen_hi(r11_hi));
  }
  if (group == 3u) {
    rows = array<vec4<f32>, 8>(r12_lo, widen_hi(r12_hi), r13_lo, widen_hi(r13_hi), r14_lo, widen_hi(r14_hi), r15_lo, widen_hi(r15_hi));
  }
#if BLOCK_HAS_ROWS_16_23
  if (group == 4u) {
    rows = array<vec4<f32>, 8>(r16_lo, widen_hi(r16_hi), r17_lo, widen_hi(r17_hi), r18_lo, widen_hi(r18_hi), r19_lo, widen_hi(r19_hi));
  }
  if (group == 5u) {
    rows = array<vec4<f32>, 8>(r20_lo, widen_hi(r20_hi), r21_lo, widen_hi(r21_hi), r22_lo, widen_hi(r22_hi), r23_lo, widen_hi(r23_hi));
  }
#endif
#if BLOCK_HAS_ROWS_24_31
  if (group == 6u) {
    rows = array<vec4<f32>, 8>(r24_lo, widen_hi(r24_hi), r25_lo, widen_hi(r25_hi), r26_lo, widen_hi(r26_hi), r27_lo, widen_hi(r27_hi));
  }
  if (group == 7u) {
    rows = array<vec4<f32>, 8>(r28_lo, widen_hi(r28_hi), r29_lo, widen_hi(r29_hi), r30_lo, widen_hi(r30_hi), r31_lo, widen_hi(r31_hi));
  }
#endif
  return rows;
}

#if BROADCAST_BIAS
// For the convolutions, whose rows are output channels with a bias each (conv2d-params.wgsl).
// The biases of rows 4·lane .. 4·lane + 3 of the block that starts at output channel
// `first_channel`, clamped to the last channel. Each lane loads 4 of the 32 and group_bias
// broadcasts them: on lavapipe a bias load per row runs once per lane, 32 times per block.
fn load_block_bias(first_channel: u32, lane: u32) -> vec4<f32> {
  let first = first_channel + 4u * min(lane, 7u);
  let last = params.out_channels - 1u;
  return vec4<f32>(bias[min(first, last)], bias[min(first + 1u, last)], bias[min(first + 2u, last)], bias[min(first + 3u, last)]);
}

// The biases of rows 4·group .. 4·group + 3, from the lane that loaded them, by a chain of selects
// over the 8 groups (subgroupBroadcast needs a constant lane).
@diagnostic(off, subgroup_uniformity)
fn group_bias(block_bias: vec4<f32>, group: u32) -> vec4<f32> {
  var biases = subgroupBroadcast(block_bias, 0u);
  biases = select(biases, subgroupBroadcast(block_bias, 1u), group == 1u);
  biases = select(biases, subgroupBroadcast(block_bias, 2u), group == 2u);
  biases = select(biases, subgroupBroadcast(block_bias, 3u), group == 3u);
#if BLOCK_HAS_ROWS_16_23
  biases = select(biases, subgroupBroadcast(block_bias, 4u), group == 4u);
  biases = select(biases, subgroupBroadcast(block_bias, 5u), group == 5u);
#endif
#if BLOCK_HAS_ROWS_24_31
  biases = select(biases, subgroupBroadcast(block_bias, 6u), group == 6u);
  biases = select(biases, subgroupBroadcast(block_bias, 7u), group == 7u);
#endif
  return biases;
}
#else
// Without broadcast biases (no bias, or a GEMM kernel): zeros, which the stores do not add.
fn load_block_bias(first_channel: u32, lane: u32) -> vec4<f32> {
  return vec4<f32>();
}

fn group_bias(block_bias: vec4<f32>, group: u32) -> vec4<f32> {
  return vec4<f32>();
}
#endif
