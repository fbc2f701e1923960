/**
 * Times every convolution and GEMM variant on MobileNetV2 1.0, ResNet-18 and ResNet-50 layer
 * shapes (224×224, batch 1 unless BENCH_BATCH sets it) and on a 512³ GEMM, and prints GFLOP/s and GB/s.
 * With --json=FILE it also writes the rows as JSON, which `pnpm bench kernels --write-docs` turns
 * into a section of docs/benchmarks.md.
 *
 * Run from packages/core-wgsl (bench/run.mjs bundles it with esbuild first):
 *   node bench/run.mjs bench/kernels.ts [case-name substring] [variant-name substring] [--json=FILE]
 * A full run took about 40 s on lavapipe (2 shared cores) at batch 1 and 4 minutes at batch 8. Case names start with the network,
 * so `node bench/run.mjs bench/kernels.ts resnet50` times only the ResNet-50 shapes and `dw`
 * only the depthwise ones. BENCH_BATCH=8 runs the convolution shapes at batch 8, and
 * BENCH_PROFILE_MS=30000 keeps repeating each variant for 30 s, long enough to attach a profiler
 * such as `perf record -p`.
 *
 * GB/s counts the bytes of the input, weights and output (program.cost.bytes), each read or
 * written once: the least traffic a kernel can have, so memory-bound kernels such as depthwise
 * convolutions show how close they come to the memory bandwidth. Each depthwise case also
 * times 'memory-bound-vec4' (bench/memory-bound.wgsl), which only reads the input and writes
 * the output as vec4s: its GFLOP/s, with the convolution's FLOPs, is the most a depthwise
 * kernel can reach on the adapter without fusion.
 *
 * Each variant runs once to compile and warm up ('first ms', compile included unless
 * Mesa's shader cache contains the pipeline: set MESA_SHADER_CACHE_DISABLE=true to time it),
 * then repeats until it has run for 0.25 s or 20 times. Each repetition records the kernel
 * several times in one pass (about 5 ms in all) and the best time per copy counts, timed with
 * GPU timestamps around the pass where the device has them.
 */
import { writeFile } from 'node:fs/promises';

import { requestDevice } from '@offshelf/device';

import {
  conv2dExpandDepthwise,
  conv2dFlops,
  conv2dOutputLength,
  conv2dPasses,
  conv2dVariants,
  kernelTargetOf,
  createStorageBuffer,
  EXPAND_DEPTHWISE_VARIANT,
  expandDepthwiseMismatch,
  expandDepthwiseOutputShape,
  expandDepthwisePaysOff,
  gemmVariants,
  prepareDispatch,
  releaseDispatch,
  selectConv2d,
  selectGemm,
  type Conv2dKernel,
  type Conv2dOperand,
  type Conv2dShape,
  type Epilogue,
  type ExpandDepthwiseShape,
  type GemmShape,
  type KernelProgram,
  type KernelTarget,
  type PreparedDispatch,
} from '../src/index';
import { DispatchTimer } from '../src/tuning/dispatch-timer';
import { CONV_SPEC_HELP, CaseSpecError, GEMM_SPEC_HELP, parseConvSpec, parseGemmSpec } from './custom-cases';
import { MEMORY_BOUND_VARIANT, memoryBoundProgram } from './memory-bound';

const relu6: Epilogue = { bias: true, activation: { kind: 'clip', min: 0, max: 6 }, residual: 'none' };
const linear: Epilogue = { bias: true, activation: { kind: 'none' }, residual: 'none' };

function conv(
  inChannels: number, outChannels: number, size: number, kernel: number, stride: number, groups: number,
): Conv2dShape {
  // TensorFlow SAME padding, which puts an odd extra row and column at the bottom and right.
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + kernel - size, 0);
  const before = Math.floor(total / 2);
  return {
    batch: Number(process.env.BENCH_BATCH ?? 1), inChannels, inHeight: size, inWidth: size, outChannels,
    kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride, strideWidth: stride,
    dilationHeight: 1, dilationWidth: 1,
    padTop: before, padLeft: before, padBottom: total - before, padRight: total - before, groups,
  };
}

// MobileNetV2's expansions fused with the stride-2 depthwise convolutions after them (ReLU6 after
// both, TensorFlow's SAME pads) at 224 px. Each case also times the two kernels it replaces.
function fused(inChannels: number, channels: number, size: number): ExpandDepthwiseShape {
  const batch = Number(process.env.BENCH_BATCH ?? 1);
  return { batch, inChannels, height: size, width: size, channels, padTop: 0, padLeft: 0, padBottom: 1, padRight: 1 };
}
const fusedActivations = { expand: { kind: 'clip', min: 0, max: 6 }, depthwise: { kind: 'clip', min: 0, max: 6 } } as const;
const fusedCases: Array<[string, ExpandDepthwiseShape]> = [
  ['fused 16->96 dw s2 @112', fused(16, 96, 112)],
  ['fused 24->144 dw s2 @56', fused(24, 144, 56)],
  ['fused 32->192 dw s2 @28', fused(32, 192, 28)],
  ['fused 96->576 dw s2 @14', fused(96, 576, 14)],
];
// The row of a fused case that times the two kernels it replaces, in one pass.
const SEPARATE_VARIANT = 'separate-1x1-and-depthwise';

// Representative MobileNetV2 layers: the stem, expand and project 1×1 convolutions at each
// resolution, the depthwise 3×3 convolutions at stride 1 and 2, and the final 1×1 to 1280.
const convCases: Array<[string, Conv2dShape, Epilogue]> = [
  ['stem 3x3 s2 3->32 @224', conv(3, 32, 224, 3, 2, 1), relu6],
  ['1x1 32->16 @112', conv(32, 16, 112, 1, 1, 1), linear],
  ['1x1 16->96 @112', conv(16, 96, 112, 1, 1, 1), relu6],
  ['1x1 24->144 @56', conv(24, 144, 56, 1, 1, 1), relu6],
  ['1x1 144->24 @56', conv(144, 24, 56, 1, 1, 1), linear],
  ['1x1 192->32 @28', conv(192, 32, 28, 1, 1, 1), linear],
  ['1x1 64->384 @14', conv(64, 384, 14, 1, 1, 1), relu6],
  ['1x1 960->160 @7', conv(960, 160, 7, 1, 1, 1), linear],
  ['1x1 320->1280 @7', conv(320, 1280, 7, 1, 1, 1), relu6],
  ['dw 3x3 s1 32 @112', conv(32, 32, 112, 3, 1, 32), relu6],
  ['dw 3x3 s2 96 @112', conv(96, 96, 112, 3, 2, 96), relu6],
  ['dw 3x3 s1 144 @56', conv(144, 144, 56, 3, 1, 144), relu6],
  ['dw 3x3 s1 192 @28', conv(192, 192, 28, 3, 1, 192), relu6],
  ['dw 3x3 s2 144 @56', conv(144, 144, 56, 3, 2, 144), relu6],
  ['dw 3x3 s2 192 @28', conv(192, 192, 28, 3, 2, 192), relu6],
  ['dw 3x3 s2 576 @14', conv(576, 576, 14, 3, 2, 576), relu6],
  ['dw 3x3 s1 384 @14', conv(384, 384, 14, 3, 1, 384), relu6],
  ['dw 3x3 s1 960 @7', conv(960, 960, 7, 3, 1, 960), relu6],
];

/** Builds a ResNet-18 convolution shape, with symmetric padding of half the kernel as torchvision exports it. */
function resnetConv(inChannels: number, outChannels: number, size: number, kernel: number, stride: number): Conv2dShape {
  const pad = Math.floor(kernel / 2);
  return {
    batch: Number(process.env.BENCH_BATCH ?? 1), inChannels, inHeight: size, inWidth: size, outChannels,
    kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride, strideWidth: stride,
    dilationHeight: 1, dilationWidth: 1, padTop: pad, padLeft: pad, padBottom: pad, padRight: pad, groups: 1,
  };
}

// ResNet-18's 7×7 stem, a 1×1 stride-2 shortcut, and its 3×3 convolutions at each stage, at
// stride 1 and at the stride-2 stage entries.
convCases.push(
  ['resnet stem 7x7 s2 3->64 @224', resnetConv(3, 64, 224, 7, 2), relu6],
  ['resnet 1x1 s2 64->128 @56', resnetConv(64, 128, 56, 1, 2), linear],
  ['resnet 3x3 s1 64->64 @56', resnetConv(64, 64, 56, 3, 1), relu6],
  ['resnet 3x3 s2 64->128 @56', resnetConv(64, 128, 56, 3, 2), relu6],
  ['resnet 3x3 s1 128->128 @28', resnetConv(128, 128, 28, 3, 1), relu6],
  ['resnet 3x3 s2 128->256 @28', resnetConv(128, 256, 28, 3, 2), relu6],
  ['resnet 3x3 s1 256->256 @14', resnetConv(256, 256, 14, 3, 1), relu6],
  ['resnet 3x3 s2 256->512 @14', resnetConv(256, 512, 14, 3, 2), relu6],
  ['resnet 3x3 s1 512->512 @7', resnetConv(512, 512, 7, 3, 1), relu6],
);

/**
 * Builds the convolutions of one ResNet-50 stage (torchvision's v1.5, stride 2 in the 3×3).
 * These are the 1×1 reduce and 3×3 of its later blocks and the 1×1 expand. Stages after the
 * first add their entry block's 1×1 reduce, stride-2 3×3 and stride-2 1×1 shortcut, which
 * read the previous stage's map.
 */
function resnet50Stage(width: number, outChannels: number, size: number, previousChannels: number): Array<[string, Conv2dShape, Epilogue]> {
  const stage: Array<[string, Conv2dShape, Epilogue]> = [
    [`resnet50 1x1 ${outChannels}->${width} @${size}`, resnetConv(outChannels, width, size, 1, 1), relu6],
    [`resnet50 3x3 s1 ${width}->${width} @${size}`, resnetConv(width, width, size, 3, 1), relu6],
    [`resnet50 1x1 ${width}->${outChannels} @${size}`, resnetConv(width, outChannels, size, 1, 1), linear],
  ];
  if (previousChannels === 64) {
    stage.unshift([`resnet50 1x1 64->${width} @${size}`, resnetConv(64, width, size, 1, 1), relu6]);
    return stage;
  }
  const inSize = size * 2;
  stage.unshift(
    [`resnet50 1x1 ${previousChannels}->${width} @${inSize}`, resnetConv(previousChannels, width, inSize, 1, 1), relu6],
    [`resnet50 3x3 s2 ${width}->${width} @${inSize}`, resnetConv(width, width, inSize, 3, 2), relu6],
    [`resnet50 1x1 s2 ${previousChannels}->${outChannels} @${inSize}`, resnetConv(previousChannels, outChannels, inSize, 1, 2), linear],
  );
  return stage;
}

// ResNet-50's 7×7 stem (the same shape as ResNet-18's) and its four bottleneck stages.
convCases.push(
  ['resnet50 stem 7x7 s2 3->64 @224', resnetConv(3, 64, 224, 7, 2), relu6],
  ...resnet50Stage(64, 256, 56, 64),
  ...resnet50Stage(128, 512, 28, 256),
  ...resnet50Stage(256, 1024, 14, 512),
  ...resnet50Stage(512, 2048, 7, 1024),
);

// A 3×3 stride-1 convolution of the RGB input, as VGG's first layer: few input channels per tap.
convCases.push(['vgg 3x3 s1 3->64 @224', resnetConv(3, 64, 224, 3, 1), relu6]);

// Narrow 3×3 stride-1 convolutions, where Winograd's transforms weigh most against its GEMM.
convCases.push(
  ['narrow 3x3 s1 8->32 @56', resnetConv(8, 32, 56, 3, 1), relu6],
  ['narrow 3x3 s1 16->32 @56', resnetConv(16, 32, 56, 3, 1), relu6],
  ['narrow 3x3 s1 32->32 @56', resnetConv(32, 32, 56, 3, 1), relu6],
);

// The case whose fastest variant sets the target: half its GFLOP/s.
const REFERENCE_GEMM = 'gemm 512x512x512';

const gemmCases: Array<[string, GemmShape, Epilogue]> = [
  ['gemm 512x512x512', { batch: 1, M: 512, N: 512, K: 512, transposeA: false, transposeB: false, alpha: 1, broadcastB: false }, { bias: false, activation: { kind: 'none' }, residual: 'none' }],
  ['gemm classifier 1x1001x1280 tB', { batch: 1, M: 1, N: 1001, K: 1280, transposeA: false, transposeB: true, alpha: 1, broadcastB: false }, linear],
];

const USAGE = `Usage: pnpm bench kernels [CASE [VARIANT]] [--conv=SPEC]... [--gemm=SPEC]... [--variant=VARIANT]
                         [--write-docs[=FILE]]
   or, from packages/core-wgsl: node bench/run.mjs bench/kernels.ts [the same] [--json=FILE]

Times every convolution and GEMM variant on MobileNetV2, ResNet-18 and ResNet-50 layer shapes
and on a 512³ GEMM, and prints ms, GFLOP/s and GB/s per variant. Each depthwise case also
prints memory-bound-vec4, a kernel that only reads the input and writes the output. Each fused
case (a 1×1 expansion and the stride-2 depthwise convolution after it as one kernel) also prints
separate-1x1-and-depthwise: the selector's 1×1 and depthwise kernels that the fused kernel
replaces, timed back to back. When the 512³ GEMM ran, a summary gives each case's fastest variant
against half its rate.

  CASE                 only cases whose name contains CASE, for example dw, 1x1, resnet50 or gemm;
                       several, separated by commas, such as 'dw 3x3 s1,gemm 512'
  VARIANT              only variants whose name contains VARIANT, for example strip
  --variant=VARIANT    the same as VARIANT, without a CASE
  --conv=SPEC          time a convolution of your own, instead of the built-in cases (unless a CASE
                       is given too); the 512³ GEMM runs as well, for the summary. SPEC is key=value
                       pairs separated by commas:
                       ${CONV_SPEC_HELP}
                       for example --conv=in=144,groups=dw,size=56,kernel=3,stride=2,act=relu6
  --gemm=SPEC          time a GEMM of your own (C = A·B, A is M×K), as --conv does. SPEC:
                       ${GEMM_SPEC_HELP}
                       for example --gemm=1024x1024x256,tb
  --write-docs[=FILE]  (pnpm bench kernels) also write each case's default and best variant
                       against half the 512³ GEMM's rate into FILE (default docs/benchmarks.md),
                       between its kernel report markers; a CASE filter gets the 512³ GEMM added
  --json=FILE          write every timed row, each case's default variant and the adapter as JSON

ms is the fastest time per dispatch: each variant runs as a pass of copies (enough to fill about
5 ms), timed up to 20 times within 250 ms, with GPU timestamps where the device has them, and
median ms the median of those times. * marks the variant the selector picks on this adapter.
Below about 0.1 ms on lavapipe, the per-dispatch cost dominates, and the times of small kernels
tie within the noise (memory-bound-vec4 too).
GFLOP/s counts 2 FLOPs per multiply-add, of the direct convolution also for Winograd, so its
rows show the time saved. GB/s counts the input, weights and output once each, and for the
multi-pass variants (Winograd, im2col) and separate-1x1-and-depthwise the tensors each pass
reads and writes between them too.

Environment:
  BENCH_BATCH=N                   batch of the convolution shapes (default 1)
  BENCH_PROFILE_MS=MS             repeat each variant for MS ms, to attach a profiler
  MESA_SHADER_CACHE_DISABLE=true  count compile time in 'first ms' on lavapipe
`;

// One timed variant of one case, as printed. --json writes these rows in the layout that
// packages/bench/src/report/kernel-report.ts reads (KernelBenchResult).
type KernelRow = { case: string; variant: string; ms: number; medianMs: number; gflops: number; gbps: number; firstMs: number };

const rows: KernelRow[] = [];
// The adapter line and column names, printed before the first row.
let tableHeader: string | undefined;
// The variant that the selector (or, for the fused cases, the runner) picks on this adapter, by case.
const defaults: Record<string, string> = {};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--help' || args[0] === '-h') {
    process.stdout.write(USAGE);
    return;
  }
  const jsonPath = args.find((arg) => arg.startsWith('--json='))?.slice('--json='.length);
  const valued = ['--json=', '--conv=', '--gemm=', '--variant='];
  const unknown = args.find((arg) => arg.startsWith('--') && !valued.some((prefix) => arg.startsWith(prefix)));
  if (unknown === '--json' || jsonPath === '') throw new UsageError('--json needs a file: pass --json=FILE');
  if (unknown === '--conv' || unknown === '--gemm') throw new UsageError(`${unknown} needs a shape: pass ${unknown}=SPEC (see --help)`);
  if (unknown !== undefined) throw new UsageError(`unknown option ${unknown}; see --help`);
  const positional = args.filter((arg) => !arg.startsWith('--'));
  const variantOption = args.findLast((arg) => arg.startsWith('--variant='))?.slice('--variant='.length);
  if (positional.length > 2) throw new UsageError(`too many arguments: ${positional.slice(2).join(' ')}; quote a CASE that contains spaces`);
  if (variantOption !== undefined && positional.length === 2) throw new UsageError('give VARIANT once: as the second argument or as --variant');
  const [caseFilter = '', variantFilter = variantOption ?? ''] = positional;

  // Cases of the user's own replace the built-in ones unless a CASE filter selects those too.
  // The 512³ GEMM always runs with them, for the summary.
  const batch = Number(process.env.BENCH_BATCH ?? 1);
  const customConvs = args.filter((arg) => arg.startsWith('--conv=')).map((arg) => parseConvSpec(arg.slice('--conv='.length), batch));
  const customGemms = args.filter((arg) => arg.startsWith('--gemm=')).map((arg) => parseGemmSpec(arg.slice('--gemm='.length)));
  const custom = customConvs.length + customGemms.length > 0;
  const caseFilters = caseFilter.split(',');
  const caseMatches = (name: string): boolean =>
    (custom && caseFilter === '' ? false : caseFilters.some((filter) => name.includes(filter))) || (custom && name === REFERENCE_GEMM);
  const customNames = new Set([...customConvs, ...customGemms].map(([name]) => name));
  if (customNames.size < customConvs.length + customGemms.length) throw new UsageError('the same --conv or --gemm shape is given twice');
  // A custom GEMM of 512x512x512 takes the place of the built-in one.
  gemmCases.splice(0, gemmCases.length, ...customGemms, ...gemmCases.filter(([name]) => !customNames.has(name)));
  convCases.unshift(...customConvs);
  const included = (name: string): boolean => customNames.has(name) || caseMatches(name);
  const gpu = await requestDevice();
  const { device } = gpu;
  const target = kernelTargetOf(device);
  const adapter = `${gpu.summary.adapter.description || gpu.summary.adapter.device} (${gpu.summary.backend})`;
  const date = new Date().toISOString();
  // The header waits for the first timed row, so a filter that matches nothing prints only its error.
  tableHeader = [
    `adapter: ${adapter}, ${date}`,
    ['case'.padEnd(32), 'variant (* default)'.padEnd(34), 'ms'.padStart(9), 'median ms'.padStart(9), 'GFLOP/s'.padStart(9), 'GB/s'.padStart(7), 'first ms'.padStart(9)].join(' '),
  ].join('\n');

  const started = performance.now();
  for (const [name, shape, epilogue] of convCases) {
    if (!included(name)) continue;
    defaults[name] = selectConv2d(shape, epilogue, target).variant;
    for (const variant of conv2dVariants(shape, target).filter((v) => v.includes(variantFilter))) {
      const kernel = selectConv2d(shape, epilogue, { variant, ...target });
      if (kernel.passes) await reportPasses(device, name, shape, epilogue, kernel);
      else await report(device, name, variant, kernel.program, convInputLengths(shape, kernel), conv2dOutputLength(shape));
    }
    // Depthwise convolutions do 18 FLOPs per output: their bound is the memory traffic.
    if (shape.groups === shape.inChannels && MEMORY_BOUND_VARIANT.includes(variantFilter)) {
      const inputLength = shape.batch * shape.inChannels * shape.inHeight * shape.inWidth;
      const program = memoryBoundProgram(inputLength, conv2dOutputLength(shape), conv2dFlops(shape));
      await report(device, name, MEMORY_BOUND_VARIANT, program, [inputLength], conv2dOutputLength(shape));
    }
  }
  for (const [name, shape, epilogue] of gemmCases) {
    if (!included(name)) continue;
    defaults[name] = selectGemm(shape, epilogue, target).variant;
    // The reference GEMM added for a custom case times every variant: its fastest sets the target.
    const filter = custom && name === REFERENCE_GEMM && !customNames.has(name) ? '' : variantFilter;
    for (const variant of gemmVariants(shape, target).filter((v) => v.includes(filter))) {
      const kernel = selectGemm(shape, epilogue, { ...target, variant });
      const inputs = [shape.batch * shape.M * shape.K, shape.K * shape.N, shape.N];
      await report(device, name, variant, kernel.program, inputs, shape.batch * shape.M * shape.N);
    }
  }
  for (const [name, shape] of fusedCases) {
    const timeFused = EXPAND_DEPTHWISE_VARIANT.includes(variantFilter);
    const timeSeparate = SEPARATE_VARIANT.includes(variantFilter);
    if (!included(name) || !(timeFused || timeSeparate)) continue;
    if (expandDepthwiseMismatch(shape, fusedActivations, target) !== null) continue;
    // The runner fuses on CPU adapters only (findExpandDepthwisePairs).
    defaults[name] = target.cpuAdapter === true && expandDepthwisePaysOff(shape) ? EXPAND_DEPTHWISE_VARIANT : SEPARATE_VARIANT;
    const kernel = conv2dExpandDepthwise(shape, fusedActivations, target);
    const channelZeros = new Float32Array(shape.channels);
    const inputs = [
      shape.batch * shape.inChannels * shape.height * shape.width,
      kernel.packExpandWeights(new Float32Array(shape.channels * shape.inChannels)).length,
      kernel.packChannelWeights(new Float32Array(shape.channels * 9), channelZeros, channelZeros).length,
    ];
    const outputLength = expandDepthwiseOutputShape(shape).reduce((a, b) => a * b, 1);
    if (timeFused) await report(device, name, EXPAND_DEPTHWISE_VARIANT, kernel.program, inputs, outputLength);
    if (timeSeparate) await reportSeparate(device, name, shape, target);
  }
  if (rows.length > 0) console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  gpu.destroy();
  const unmatched = [...customNames].filter((name) => !rows.some((row) => row.case === name));
  if (unmatched.length > 0) {
    throw new UsageError(`no variant of ${unmatched.join(' and ')} matches "${variantFilter}"; leave VARIANT out to time them all`);
  }
  if (rows.length === 0) {
    const filters = caseFilter === '' ? `no variant matches "${variantFilter}"` : `no case and variant match "${caseFilter}"${variantFilter ? ` and "${variantFilter}"` : ''}`;
    throw new UsageError(`${filters}; case names start with stem, 1x1, dw, resnet, resnet50, vgg, narrow, gemm or fused (see --help)`);
  }

  printSummary();
  if (jsonPath) {
    await writeFile(jsonPath, `${JSON.stringify({ adapter, date, batch, defaults, rows }, null, 2)}\n`);
  }
}

/**
 * Prints each case's fastest variant against half the 512³ GEMM's fastest rate, when the GEMM ran.
 * Memory-bound reference rows are not candidates.
 */
function printSummary(): void {
  const reference = Math.max(0, ...rows.filter((row) => row.case === REFERENCE_GEMM).map((row) => row.gflops));
  if (reference === 0) return;
  const best = new Map<string, KernelRow>();
  for (const row of rows) {
    if (row.case === REFERENCE_GEMM || row.variant === MEMORY_BOUND_VARIANT) continue;
    const current = best.get(row.case);
    if (current === undefined || row.gflops > current.gflops) best.set(row.case, row);
  }
  if (best.size === 0) return;
  console.log(`\nagainst half the 512³ GEMM's fastest rate (${(reference / 2).toFixed(1)} GFLOP/s):`);
  for (const [name, row] of best) {
    const share = (100 * row.gflops) / (reference / 2);
    console.log(`${name.padEnd(32)} ${row.variant.padEnd(32)} ${row.gflops.toFixed(2).padStart(9)} GFLOP/s ${share.toFixed(0).padStart(5)}%`);
  }
}

/** Float lengths of a convolution's input, packed weights and bias. */
function convInputLengths(shape: Conv2dShape, kernel: Conv2dKernel): number[] {
  const weightLength = (shape.outChannels * shape.inChannels * shape.kernelHeight * shape.kernelWidth) / shape.groups;
  return [
    shape.batch * shape.inChannels * shape.inHeight * shape.inWidth,
    kernel.packWeights(new Float32Array(weightLength)).length,
    shape.outChannels,
  ];
}

/**
 * Times a multi-pass convolution (such as Winograd) as all its dispatches in one compute pass,
 * and prints a row with the direct convolution's FLOPs, so its GFLOP/s compare with one-pass
 * variants', and the bytes of every pass.
 */
async function reportPasses(device: GPUDevice, name: string, shape: Conv2dShape, epilogue: Epilogue, kernel: Conv2dKernel): Promise<void> {
  const [inputLength, weightLength, biasLength] = convInputLengths(shape, kernel);
  const lengths = new Map<string, number>([['input', inputLength!], ['weights', weightLength!], ['bias', biasLength!], ['residual', conv2dOutputLength(shape)], ['output', conv2dOutputLength(shape)]]);
  (kernel.scratchLengths ?? []).forEach((length, i) => lengths.set(`scratch${i}`, length));
  const buffers = new Map([...lengths].map(([key, length]) => [key, createStorageBuffer(device, length * 4)] as const));
  const rangeOf = (operand: Conv2dOperand) => {
    const key = typeof operand === 'string' ? operand : `scratch${operand.scratch}`;
    return { buffer: buffers.get(key)!, size: lengths.get(key)! * 4 };
  };
  const passes = conv2dPasses(kernel, epilogue);
  const prepared = passes.map((pass) => prepareDispatch(device, pass.program, pass.inputs.map(rangeOf), rangeOf(pass.output)));
  const cost = { flops: conv2dFlops(shape), bytes: passes.reduce((total, pass) => total + (pass.program.cost?.bytes ?? 0), 0) };
  await timeAndPrint(device, name, kernel.variant, prepared, cost);
  for (const dispatch of prepared) releaseDispatch(dispatch);
  for (const buffer of buffers.values()) buffer.destroy();
}

/**
 * Times the 1×1 expansion and the depthwise convolution that a fused case replaces, each the
 * selector's default kernel, back to back in one compute pass, and prints their row. The expanded
 * tensor goes through memory between them.
 */
async function reportSeparate(device: GPUDevice, name: string, shape: ExpandDepthwiseShape, target: KernelTarget): Promise<void> {
  const expandShape: Conv2dShape = {
    batch: shape.batch, inChannels: shape.inChannels, inHeight: shape.height, inWidth: shape.width, outChannels: shape.channels,
    kernelHeight: 1, kernelWidth: 1, strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1,
    padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, groups: 1,
  };
  const depthwiseShape: Conv2dShape = {
    ...expandShape, inChannels: shape.channels, groups: shape.channels, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
    padTop: shape.padTop, padLeft: shape.padLeft, padBottom: shape.padBottom, padRight: shape.padRight,
  };
  const kernels = [selectConv2d(expandShape, relu6, target), selectConv2d(depthwiseShape, relu6, target)];
  if (kernels.some((kernel) => kernel.passes)) return;

  const input = createStorageBuffer(device, 4 * shape.batch * shape.inChannels * shape.height * shape.width);
  const expanded = createStorageBuffer(device, 4 * conv2dOutputLength(expandShape));
  const output = createStorageBuffer(device, 4 * conv2dOutputLength(depthwiseShape));
  const operands = [[expandShape, input, expanded], [depthwiseShape, expanded, output]] as const;
  const created: GPUBuffer[] = [input, expanded, output];
  const prepared = kernels.map((kernel, i) => {
    const [convShape, from, to] = operands[i]!;
    const [, weightLength, biasLength] = convInputLengths(convShape, kernel);
    const weights = createStorageBuffer(device, 4 * weightLength!);
    const bias = createStorageBuffer(device, 4 * biasLength!);
    created.push(weights, bias);
    return prepareDispatch(device, kernel.program, [from, weights, bias].slice(0, kernel.program.inputCount).map((buffer) => ({ buffer, size: buffer.size })),
      { buffer: to, size: to.size });
  });
  // Both kernels' FLOPs and bytes: the expanded tensor counts once as the 1×1 output and once as
  // the depthwise input.
  const cost = {
    flops: kernels.reduce((total, kernel) => total + kernel.program.cost!.flops, 0),
    bytes: kernels.reduce((total, kernel) => total + kernel.program.cost!.bytes, 0),
  };
  await timeAndPrint(device, name, SEPARATE_VARIANT, prepared, cost);
  for (const dispatch of prepared) releaseDispatch(dispatch);
  for (const buffer of created) buffer.destroy();
}

/** Times one program on zero-filled buffers of the given float lengths and prints a row. */
async function report(
  device: GPUDevice,
  name: string,
  variant: string,
  program: KernelProgram,
  inputLengths: number[],
  outputLength: number,
): Promise<void> {
  const buffers = inputLengths.slice(0, program.inputCount).map((length) => createStorageBuffer(device, length * 4));
  const output = createStorageBuffer(device, outputLength * 4);
  const prepared = prepareDispatch(
    device,
    program,
    buffers.map((buffer, i) => ({ buffer, size: inputLengths[i]! * 4 })),
    { buffer: output, size: outputLength * 4 },
  );

  // Without a cost estimate, count every bound buffer once.
  const bytes = program.cost?.bytes ?? 4 * (inputLengths.slice(0, program.inputCount).reduce((a, b) => a + b, 0) + outputLength);
  await timeAndPrint(device, name, variant, [prepared], { flops: program.cost?.flops ?? 0, bytes });
  releaseDispatch(prepared);
  for (const buffer of [...buffers, output]) buffer.destroy();
}

/**
 * Runs `prepared` once to warm up (and compile), then times it repeated `copies` times in one
 * compute pass and prints the best time per copy with GFLOP/s and GB/s. Copies fill the pass
 * to about 5 ms, so the fixed cost of a submit (0.2-0.3 ms on lavapipe) does not count against
 * short kernels, which the runner records back to back. Times are GPU timestamps around the pass
 * when the device has `timestamp-query`, else CPU time from submit to onSubmittedWorkDone.
 */
async function timeAndPrint(
  device: GPUDevice,
  name: string,
  variant: string,
  prepared: PreparedDispatch[],
  cost: { flops: number; bytes: number },
): Promise<void> {
  const timer = new DispatchTimer(device);
  const runOnce = (copies: number): Promise<number> => timer.time(Array.from({ length: copies }, () => prepared).flat());

  const started = performance.now();
  await runOnce(1);
  const first = performance.now() - started;
  const copies = Math.min(64, Math.max(1, Math.ceil(5 / (await runOnce(1)))));
  const times: number[] = [];
  let spent = 0;
  const budgetMs = Number(process.env.BENCH_PROFILE_MS ?? 250);
  for (let repetition = 0; repetition < (budgetMs > 250 ? 1e9 : 20) && spent < budgetMs; repetition++) {
    const elapsed = await runOnce(copies);
    times.push(elapsed / copies);
    spent += elapsed;
  }
  times.sort((a, b) => a - b);
  const best = times[0]!;
  // The spread between the best and the median shows how far a shared machine moved the times.
  const median = times[Math.floor(times.length / 2)]!;

  timer.destroy();

  const gflops = cost.flops / (best * 1e6);
  const gbps = cost.bytes / (best * 1e6);
  rows.push({ case: name, variant, ms: best, medianMs: median, gflops, gbps, firstMs: first });
  if (tableHeader !== undefined) {
    console.log(tableHeader);
    tableHeader = undefined;
  }
  const shownVariant = defaults[name] === variant ? `${variant} *` : variant;
  console.log(
    [name.padEnd(32), shownVariant.padEnd(34), best.toFixed(3).padStart(9), median.toFixed(3).padStart(9), gflops.toFixed(2).padStart(9), gbps.toFixed(2).padStart(7), first.toFixed(0).padStart(9)].join(' '),
  );
}

/** A wrong argument: printed as one line, without a stack trace, with exit code 2. */
class UsageError extends Error {}

try {
  await main();
} catch (error) {
  if (!(error instanceof UsageError) && !(error instanceof CaseSpecError)) throw error;
  console.error(`kernels: ${error.message}`);
  process.exit(2);
}
