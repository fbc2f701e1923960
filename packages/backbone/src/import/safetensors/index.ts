export { importSafetensors, type SafetensorsImportOptions } from './import-safetensors';
export { readSafetensors, type SafetensorsContents } from './read-safetensors';
export { writeSafetensors } from './write-safetensors';
