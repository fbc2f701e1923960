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

/** Throws when `data` is given for an operand that the epilogue does not read, since it would be ignored. */
export function checkUnusedOperand(kernel: string, operand: string, data: unknown, fix: string): void {
  if (data !== null && data !== undefined) throw new Error(`${kernel}: ${operand} was given but the epilogue does not read it. ${fix}.`);
}
