import { ModelImportError, type Graph } from '../../ir/graph';
import type { ModelSource } from '../../source';
import { graphModelToGraph } from './graph-model';
import { layersModelToGraph } from './layers-model';
import { readTfjsWeights } from './weights';

/**
 * Imports a TF.js model: `model.json` with either a Keras layers topology or a
 * GraphDef (`format: 'graph-model'`), plus the weight shards named in its
 * `weightsManifest`, read with `source.readSibling`.
 */
export async function importTfjs(source: ModelSource): Promise<Graph> {
  const modelJson = parseModelJson(await source.readMain(), source.name);
  const weights = await readTfjsWeights(modelJson.weightsManifest, source);
  return tfjsToGraph(modelJson, weights, source.name);
}

/** Returns whether a parsed model.json is a graph model (GraphDef) rather than a layers model. */
export function isGraphModel(modelJson: Record<string, unknown>): boolean {
  const topology = modelJson.modelTopology as { node?: unknown } | undefined;
  return modelJson.format === 'graph-model' || Array.isArray(topology?.node);
}

export function tfjsToGraph(modelJson: Record<string, unknown>, weights: Parameters<typeof graphModelToGraph>[1], file: string): Graph {
  return isGraphModel(modelJson) ? graphModelToGraph(modelJson, weights, file) : layersModelToGraph(modelJson, weights, file);
}

export function parseModelJson(bytes: Uint8Array, file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new ModelImportError(file, `model.json is not valid UTF-8 JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ModelImportError(file, 'model.json must contain a JSON object');
  const modelJson = parsed as Record<string, unknown>;
  if (typeof modelJson.modelTopology !== 'object' || modelJson.modelTopology === null) {
    throw new ModelImportError(file, 'model.json has no modelTopology object; it is not a TF.js model');
  }
  return modelJson;
}
