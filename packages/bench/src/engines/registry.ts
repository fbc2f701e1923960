import type { Engine, EngineName } from './engine';
import { offshelf } from './offshelf';
import { ortNode } from './ort-node';
import { ortWasmChromium } from './ort-wasm-chromium';
import { ortWasm, ortWebGpu } from './ort-web';
import { tfjsWebGpu } from './tfjs-webgpu';

export const ENGINES: Record<EngineName, Engine> = {
  offshelf,
  'ort-webgpu': ortWebGpu,
  'tfjs-webgpu': tfjsWebGpu,
  'ort-wasm': ortWasm,
  'ort-wasm-chromium': ortWasmChromium,
  'ort-node': ortNode,
};

export const ENGINE_NAMES = Object.keys(ENGINES) as EngineName[];

/** Parses an engine name, rejecting unknown ones with the list of valid names. */
export function parseEngineName(value: string): EngineName {
  if (!(ENGINE_NAMES as string[]).includes(value)) {
    throw new Error(`Invalid engine name '${value}': expected one of ${ENGINE_NAMES.join(', ')}.`);
  }
  return value as EngineName;
}
