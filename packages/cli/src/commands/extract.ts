/** `offshelf extract`: features of a labelled image set, written as safetensors. */
import type { Command } from 'commander';

import { extractDatasetFeatures } from '../data/load-features';
import { writeFeaturesFile } from '../data/features-file';
import { UsageError } from '../errors';
import { checkOutputFile } from '../io/atomic-write';
import { createLog } from '../ui/log';
import { formatNameList } from '../ui/names';
import { addBackboneOptions, addCommonOptions, extractionSettings, type BackboneOptions, type CommonOptions } from './options';

interface ExtractOptions extends CommonOptions, BackboneOptions {
  output: string;
}

export async function runExtract(dataset: string, options: ExtractOptions): Promise<void> {
  if (!options.output.toLowerCase().endsWith('.safetensors')) {
    throw new UsageError(`-o ${options.output}: the features file name must end in .safetensors`);
  }
  await checkOutputFile(options.output);
  const log = createLog(options.quiet);
  const features = await extractDatasetFeatures(
    dataset,
    extractionSettings(options),
    log,
  );
  await writeFeaturesFile(options.output, features);
  log.info(`wrote ${options.output}: ${features.labels.length} × ${features.provenance.featureSize} features, classes ${formatNameList(features.classNames)}`);
}

export function registerExtract(program: Command): void {
  const command = program
    .command('extract')
    .description('extract backbone features of a labelled image set into a safetensors file')
    .argument('<dataset>', 'folder with one subfolder per class, a CSV of path,label rows, or a registry name such as hymenoptera/train')
    .requiredOption('-o, --output <file>', 'features file to write (.safetensors: F32 features N×D, I32 labels N, metadata)');
  addBackboneOptions(command);
  addCommonOptions(command);
  command.action(runExtract);
}
