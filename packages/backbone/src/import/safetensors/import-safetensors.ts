import { buildNetwork } from '../../architectures/build-network';
import { findArchitecture, SUPPORTED_ARCHITECTURES } from '../../architectures/registry';
import { StateDictParameters } from '../../architectures/state-dict-parameters';
import { ModelImportError, type Graph } from '../../ir/graph';
import type { ModelSource } from '../../source';
import { readSafetensors } from './read-safetensors';

export interface SafetensorsImportOptions {
  /** Built-in architecture the state dict belongs to, by torchvision name (see `SUPPORTED_ARCHITECTURES`). */
  arch: string;
  /** Number of classes; defaults to the first dimension of the last classifier weight. */
  numClasses?: number;
  /** Input height and width in pixels (default 224). */
  inputSize?: number;
}

/**
 * Imports a PyTorch state dict saved as safetensors (torchvision parameter names) into the IR
 * graph of a built-in architecture. The graph has the input `input` [N, 3, size, size] and the
 * outputs `features` and `logits`. Throws `ModelImportError` for a malformed file, an unknown
 * architecture, and a missing, mis-shaped or unexpected parameter.
 */
export async function importSafetensors(source: ModelSource, options: SafetensorsImportOptions): Promise<Graph> {
  const file = source.name;
  const architecture = findArchitecture(options.arch);
  if (!architecture) {
    throw new ModelImportError(file, `unknown architecture '${options.arch}'; supported: ${SUPPORTED_ARCHITECTURES.join(', ')}.`);
  }

  const { tensors, metadata } = readSafetensors(await source.readMain(), file);
  const classifier = tensors.get(architecture.classifierWeight);
  const numClasses = options.numClasses ?? classifier?.shape[0] ?? 1000;

  const parameters = new StateDictParameters(tensors, file, architecture.name);
  const graph = buildNetwork(architecture, parameters, { numClasses, inputSize: options.inputSize ?? 224, sourceName: file, properties: metadata });
  parameters.checkAllUsed();
  return graph;
}
