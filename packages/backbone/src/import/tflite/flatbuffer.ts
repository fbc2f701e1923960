import { ModelImportError } from '../../ir/graph';

/** Writes bytes as printable ASCII with others as `\xNN`, so a message never puts raw binary on a terminal. */
function escapeBytes(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    const isPrintable = byte >= 0x20 && byte <= 0x7e && byte !== 0x5c && byte !== 0x27;
    text += isPrintable ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return text;
}

/**
 * A bounds-checked reader for the FlatBuffers binary format (little-endian).
 *
 * Every offset and vector length is checked against the buffer before it is
 * followed, so a malformed file raises `ModelImportError` instead of reading out of
 * bounds. Vectors are never materialized beyond the bytes the file contains, and
 * the reader has no loops whose length comes from anything but a checked vector
 * length, so a hostile file cannot make it hang or allocate without bound.
 */
export class FlatBufferReader {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(message: string): never {
    throw new ModelImportError(this.file, message);
  }

  /** Checks that `size` bytes starting at `position` lie inside the buffer. */
  check(position: number, size: number, what: string): void {
    if (!Number.isInteger(position) || position < 0 || size < 0 || position + size > this.bytes.byteLength) {
      const where = size === 0 ? `points to byte ${position}` : `of ${size} bytes at byte ${position} runs`;
      this.fail(`${what} ${where} outside the ${this.bytes.byteLength}-byte file; the file is truncated or corrupt`);
    }
  }

  u8(position: number): number {
    this.check(position, 1, 'uint8');
    return this.view.getUint8(position);
  }

  i8(position: number): number {
    this.check(position, 1, 'int8');
    return this.view.getInt8(position);
  }

  u16(position: number): number {
    this.check(position, 2, 'uint16');
    return this.view.getUint16(position, true);
  }

  i32(position: number): number {
    this.check(position, 4, 'int32');
    return this.view.getInt32(position, true);
  }

  u32(position: number): number {
    this.check(position, 4, 'uint32');
    return this.view.getUint32(position, true);
  }

  f32(position: number): number {
    this.check(position, 4, 'float32');
    return this.view.getFloat32(position, true);
  }

  /** Reads an int64 as a number; values beyond 2^53 are rejected rather than rounded. */
  i64(position: number): number {
    this.check(position, 8, 'int64');
    const value = this.view.getBigInt64(position, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      this.fail(`int64 value ${value} at byte ${position} is too large to use as a number`);
    }
    return Number(value);
  }

  /** Follows the uoffset stored at `position` and returns the absolute target position. */
  indirect(position: number): number {
    const target = position + this.u32(position);
    this.check(target, 0, 'offset target');
    return target;
  }

  /** Returns the root table of the file, checking the 4-byte file identifier when one is given. */
  root(identifier?: string): Table {
    this.check(0, 8, 'file header');
    if (identifier !== undefined) {
      const found = String.fromCharCode(...this.bytes.subarray(4, 8));
      if (found !== identifier) {
        this.fail(`file identifier is '${escapeBytes(this.bytes.subarray(4, 8))}', expected '${identifier}'; this is not a TFLite flatbuffer`);
      }
    }
    return new Table(this, this.indirect(0));
  }
}

/** One FlatBuffers table: fields are looked up through its vtable by field index. */
export class Table {
  private readonly vtable: number;
  private readonly vtableSize: number;

  constructor(
    readonly reader: FlatBufferReader,
    readonly position: number,
  ) {
    this.vtable = position - reader.i32(position);
    reader.check(this.vtable, 4, 'vtable');
    this.vtableSize = reader.u16(this.vtable);
    if (this.vtableSize < 4 || this.vtableSize % 2 !== 0) reader.fail(`vtable at byte ${this.vtable} has invalid size ${this.vtableSize}`);
    reader.check(this.vtable, this.vtableSize, 'vtable');
  }

  /** Absolute position of field `index`, or undefined when the field is absent. */
  private field(index: number): number | undefined {
    const entry = 4 + 2 * index;
    if (entry + 2 > this.vtableSize) return undefined;
    const offset = this.reader.u16(this.vtable + entry);
    return offset === 0 ? undefined : this.position + offset;
  }

  has(index: number): boolean {
    return this.field(index) !== undefined;
  }

  u8(index: number, fallback = 0): number {
    const position = this.field(index);
    return position === undefined ? fallback : this.reader.u8(position);
  }

  i8(index: number, fallback = 0): number {
    const position = this.field(index);
    return position === undefined ? fallback : this.reader.i8(position);
  }

  bool(index: number, fallback = false): boolean {
    const position = this.field(index);
    return position === undefined ? fallback : this.reader.u8(position) !== 0;
  }

  i32(index: number, fallback = 0): number {
    const position = this.field(index);
    return position === undefined ? fallback : this.reader.i32(position);
  }

  u32(index: number, fallback = 0): number {
    const position = this.field(index);
    return position === undefined ? fallback : this.reader.u32(position);
  }

  f32(index: number, fallback = 0): number {
    const position = this.field(index);
    return position === undefined ? fallback : this.reader.f32(position);
  }

  i64(index: number, fallback = 0): number {
    const position = this.field(index);
    return position === undefined ? fallback : this.reader.i64(position);
  }

  table(index: number): Table | undefined {
    const position = this.field(index);
    return position === undefined ? undefined : new Table(this.reader, this.reader.indirect(position));
  }

  string(index: number): string | undefined {
    const bytes = this.vectorBytes(index, 1);
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  }

  /** Position and length of a vector whose elements are `elementSize` bytes, bounds-checked. */
  vector(index: number, elementSize: number): { start: number; length: number } | undefined {
    const position = this.field(index);
    if (position === undefined) return undefined;
    const header = this.reader.indirect(position);
    const length = this.reader.u32(header);
    this.reader.check(header + 4, length * elementSize, `vector of ${length} elements`);
    return { start: header + 4, length };
  }

  /** Returns a vector's raw bytes as a view into the file (no copy). */
  vectorBytes(index: number, elementSize: number): Uint8Array | undefined {
    const vector = this.vector(index, elementSize);
    if (vector === undefined) return undefined;
    return this.reader.bytes.subarray(vector.start, vector.start + vector.length * elementSize);
  }

  i32Vector(index: number): number[] {
    const vector = this.vector(index, 4);
    if (vector === undefined) return [];
    return Array.from({ length: vector.length }, (_, i) => this.reader.i32(vector.start + 4 * i));
  }

  f32Vector(index: number): number[] {
    const vector = this.vector(index, 4);
    if (vector === undefined) return [];
    return Array.from({ length: vector.length }, (_, i) => this.reader.f32(vector.start + 4 * i));
  }

  i64Vector(index: number): number[] {
    const vector = this.vector(index, 8);
    if (vector === undefined) return [];
    return Array.from({ length: vector.length }, (_, i) => this.reader.i64(vector.start + 8 * i));
  }

  tableVector(index: number): Table[] {
    const vector = this.vector(index, 4);
    if (vector === undefined) return [];
    return Array.from({ length: vector.length }, (_, i) => new Table(this.reader, this.reader.indirect(vector.start + 4 * i)));
  }
}
