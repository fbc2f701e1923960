import { ModelImportError, type Initializer } from '../ir/graph';
import type { ParameterSource } from './network-builder';

/** BatchNorm2d's step counter: in every torchvision state dict, unused at inference. */
const IGNORED_SUFFIX = '.num_batches_tracked';

/** Reads parameters from a PyTorch state dict, checking each one's presence, type and shape. */
export class StateDictParameters implements ParameterSource {
  private readonly used = new Set<string>();

  constructor(
    private readonly tensors: ReadonlyMap<string, Initializer>,
    private readonly file: string,
    private readonly arch: string,
  ) {}

  take(name: string, shape: number[]): Float32Array {
    const tensor = this.tensors.get(name);
    if (!tensor) {
      const hint = this.tensors.has(`module.${name}`) ? ` The file has 'module.${name}': strip the 'module.' prefix that DataParallel adds before saving.` : '';
      throw new ModelImportError(this.file, `parameter '${name}' is missing; ${this.arch} expects it with shape [${shape.join(', ')}].${hint}`);
    }
    if (!sameShape(tensor.shape, shape)) {
      throw new ModelImportError(this.file, `parameter '${name}' has shape [${tensor.shape.join(', ')}], but ${this.arch} expects [${shape.join(', ')}]. Check the arch option.`);
    }
    if (!(tensor.data instanceof Float32Array)) {
      throw new ModelImportError(this.file, `parameter '${name}' has type ${tensor.dataType}; expected a floating-point tensor (F32, F16, BF16 or F64).`);
    }
    this.used.add(name);
    return tensor.data;
  }

  /** Throws when the state dict contains tensors the network did not read (other than BatchNorm step counters). */
  checkAllUsed(): void {
    const unexpected = [...this.tensors.keys()].filter((name) => !this.used.has(name) && !name.endsWith(IGNORED_SUFFIX));
    if (unexpected.length === 0) return;
    const listed = unexpected.slice(0, 5).map((name) => `'${name}'`).join(', ');
    throw new ModelImportError(
      this.file,
      `${unexpected.length} tensor(s) are not parameters of ${this.arch}: ${listed}${unexpected.length > 5 ? ', ...' : ''}. The file may be for another architecture.`,
    );
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
