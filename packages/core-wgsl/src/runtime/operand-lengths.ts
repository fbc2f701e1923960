import type { Epilogue } from '../kernels/epilogue';

/** Throws a message naming `operand` of `kernel` when `data` does not hold `expected` values. */
export function checkOperandLength(
  kernel: string,
  operand: string,
  data: ArrayLike<number> | null | undefined,
  expected: number,
  layout: string,
): void {
  if (data === null || data === undefined) {
    throw new Error(`${kernel}: missing ${operand}. The epilogue reads one of ${expected} values (${layout}).`);
  }
  if (data.length !== expected) {
    throw new Error(`${kernel}: ${operand} has ${data.length} values, expected ${expected} (${layout}).`);
  }
}

/**
 * Throws when a kernel made for one shape or epilogue is run with another, naming the fields that
 * differ. A kernel without a record of what it was made for is not checked.
 */
export function checkBuiltFor<S extends object>(
  kernel: string,
  builtFor: { shape: S; epilogue: Epilogue } | undefined,
  shape: S,
  epilogue: Epilogue,
  select: string,
): void {
  if (builtFor === undefined) return;
  const passedShape = shape as Record<string, unknown>;
  const kernelShape = builtFor.shape as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(kernelShape), ...Object.keys(passedShape)])].filter((field) => kernelShape[field] !== passedShape[field]);
  if (fields.length > 0) {
    const describe = (values: Record<string, unknown>): string => fields.map((field) => `${field} ${String(values[field])}`).join(', ');
    throw new Error(`${kernel}: the kernel was made for ${describe(kernelShape)}, but the shape passed has ${describe(passedShape)}; make one for this shape with ${select}.`);
  }
  if (JSON.stringify(builtFor.epilogue) !== JSON.stringify(epilogue)) {
    throw new Error(`${kernel}: the kernel was made for the epilogue ${JSON.stringify(builtFor.epilogue)}, but ${JSON.stringify(epilogue)} was passed; make one for it with ${select}.`);
  }
}

/** Throws when `data` is given for an operand that the epilogue does not read, since it would be ignored. */
function checkUnusedOperand(kernel: string, operand: string, data: unknown, fix: string): void {
  if (data !== null && data !== undefined) throw new Error(`${kernel}: ${operand} was given but the epilogue does not read it. ${fix}.`);
}

/**
 * Checks the bias and residual against the epilogue: each one it reads must have its length
 * (`biasLength` and `outputLength` values), and one it does not read must be absent.
 */
export function checkEpilogueOperands(
  kernel: string,
  epilogue: Epilogue,
  operands: { bias?: ArrayLike<number> | null; residual?: ArrayLike<number> | null },
  bias: { length: number; layout: string },
  output: { length: number; layout: string },
): void {
  if (epilogue.bias) checkOperandLength(kernel, 'bias', operands.bias, bias.length, bias.layout);
  else checkUnusedOperand(kernel, 'bias', operands.bias, 'Set epilogue.bias to true to add it');
  if (epilogue.residual !== 'none') checkOperandLength(kernel, 'residual', operands.residual, output.length, output.layout);
  else checkUnusedOperand(kernel, 'residual', operands.residual, "Set epilogue.residual to 'beforeActivation' or 'afterActivation' to add it");
}
