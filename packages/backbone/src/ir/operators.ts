/**
 * Operators the runner executes, by IR op type. Importers check a model against this set
 * and report every op type outside it in one error.
 */
export const SUPPORTED_OPERATORS: ReadonlySet<string> = new Set([
  // Convolution, dense layers and normalization.
  'Conv',
  'Gemm',
  'MatMul',
  'BatchNormalization',

  // Activations.
  'Relu',
  'Clip',
  'HardSwish',
  'HardSigmoid',
  'Sigmoid',
  'LeakyRelu',
  'Tanh',

  // Element-wise arithmetic with NumPy broadcasting.
  'Add',
  'Sub',
  'Mul',
  'Div',

  // Pooling and reductions.
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'ReduceMean',
  'Softmax',

  // Layout.
  'Concat',
  'Pad',
  'Transpose',
  'Flatten',
  'Reshape',
  'Squeeze',
  'Unsqueeze',
  'Identity',
  'Dropout',
  'Constant',

  // Fused forms created by load-time rewrites.
  'offshelf.FusedConv',
  'offshelf.FusedGemm',
]);

/** Op types whose output shares its input's buffer (same data, new shape), so the runner copies nothing. */
export const VIEW_OPERATORS: ReadonlySet<string> = new Set(['Flatten', 'Reshape', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout']);
