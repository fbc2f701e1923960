import type { Initializer } from '../ir/graph';
import { buildNetwork } from './build-network';
import { findArchitecture, SUPPORTED_ARCHITECTURES } from './registry';
import { RandomParameters } from './random-parameters';

export interface RandomStateDictOptions {
  seed?: number;
  numClasses?: number;
}

/**
 * Returns a state dict for a built-in architecture with seeded random values (see
 * `RandomParameters`), named and ordered as torchvision's `state_dict()` lists them, including
 * each BatchNorm2d's int64 `num_batches_tracked` scalar. For tests and examples.
 */
export function randomStateDict(arch: string, options: RandomStateDictOptions = {}): Initializer[] {
  const architecture = findArchitecture(arch);
  if (!architecture) throw new Error(`unknown architecture '${arch}'; supported: ${SUPPORTED_ARCHITECTURES.join(', ')}.`);

  const graph = buildNetwork(architecture, new RandomParameters(options.seed ?? 1), {
    numClasses: options.numClasses ?? 1000,
    inputSize: 224,
    sourceName: `random ${arch}`,
  });

  const tensors: Initializer[] = [];
  for (const tensor of graph.initializers.values()) {
    tensors.push(tensor);
    if (tensor.name.endsWith('.running_var')) {
      const name = tensor.name.replace(/running_var$/, 'num_batches_tracked');
      tensors.push({ name, dataType: 'int64', shape: [], data: BigInt64Array.of(0n) });
    }
  }
  return tensors;
}
