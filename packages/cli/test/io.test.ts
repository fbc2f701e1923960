// Oracle: NumPy 1.24 (`/usr/bin/python3`) reads what we write and writes what we read,
// and a plain Python struct/json reader checks our safetensors layout byte by byte.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { decodeNpy, encodeNpy } from '../src/io/npy';
import { hasFeaturesFileHeader } from '../src/data/features-file';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors';

const folder = mkdtempSync(join(tmpdir(), 'offshelf-io-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function python(script: string): string {
  return execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

describe('safetensors', () => {
  const features = Float32Array.from({ length: 3 * 5 }, (_, i) => i * 0.25 - 1);
  const labels = Int32Array.from([0, 2, 1]);
  const bytes = concat(
    encodeSafetensors(
      { features: { dtype: 'F32', shape: [3, 5], data: features }, labels: { dtype: 'I32', shape: [3], data: labels } },
      { classNames: '["a","b","c"]' },
    ),
  );

  it('round trips tensors and metadata', () => {
    const decoded = decodeSafetensors(bytes, 'memory');
    expect(decoded.metadata).toEqual({ classNames: '["a","b","c"]' });
    expect(decoded.tensors.get('features')).toEqual({ dtype: 'F32', shape: [3, 5], data: features });
    expect(decoded.tensors.get('labels')).toEqual({ dtype: 'I32', shape: [3], data: labels });
  });

  it('matches an independent reader', () => {
    const path = join(folder, 'x.safetensors');
    writeFileSync(path, bytes);
    const output = python(`
import json, struct, numpy as np
raw = open(${JSON.stringify(path)}, 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
f = header['features']; l = header['labels']
x = np.frombuffer(data[f['data_offsets'][0]:f['data_offsets'][1]], '<f4').reshape(f['shape'])
y = np.frombuffer(data[l['data_offsets'][0]:l['data_offsets'][1]], '<i4')
print(json.dumps({'dtypes': [f['dtype'], l['dtype']], 'x': x.tolist(), 'y': y.tolist(), 'meta': header['__metadata__'], 'aligned': (8 + n) % 8 == 0}))
`);
    const parsed = JSON.parse(output);
    expect(parsed.dtypes).toEqual(['F32', 'I32']);
    expect(parsed.x.flat()).toEqual(Array.from(features));
    expect(parsed.y).toEqual([0, 2, 1]);
    expect(parsed.meta).toEqual({ classNames: '["a","b","c"]' });
    expect(parsed.aligned).toBe(true);
  });

  it('rejects a truncated file', () => {
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.byteLength - 4), 'cut.safetensors')).toThrow(/cut\.safetensors: not a valid safetensors file/);
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.byteLength - 4), 'cut.safetensors')).toThrow(/[^.]\); write it with `offshelf extract`$/);
  });
});

describe('hasFeaturesFileHeader', () => {
  it('tells features from weights', async () => {
    const features = join(folder, 'features.safetensors');
    const weights = join(folder, 'weights.safetensors');
    const text = join(folder, 'text.safetensors');
    writeFileSync(features, concat(encodeSafetensors({ features: { dtype: 'F32', shape: [1, 2], data: new Float32Array(2) }, labels: { dtype: 'I32', shape: [1], data: new Int32Array(1) } })));
    writeFileSync(weights, concat(encodeSafetensors({ 'conv1.weight': { dtype: 'F32', shape: [2], data: new Float32Array(2) } })));
    writeFileSync(text, 'not safetensors at all');

    expect(await hasFeaturesFileHeader(features)).toBe(true);
    expect(await hasFeaturesFileHeader(weights)).toBe(false);
    expect(await hasFeaturesFileHeader(text)).toBe(false);
    expect(await hasFeaturesFileHeader(join(folder, 'missing.safetensors'))).toBe(false);
  });
});

describe('npy', () => {
  it('writes files NumPy reads', () => {
    const data = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i));
    const path = join(folder, 'ours.npy');
    writeFileSync(path, encodeNpy({ shape: [2, 3, 4], data }));
    const parsed = JSON.parse(python(`import numpy as np, json; a = np.load(${JSON.stringify(path)}); print(json.dumps({'dtype': str(a.dtype), 'shape': list(a.shape), 'x': a.ravel().tolist(), 'c': a.flags['C_CONTIGUOUS']}))`));
    expect(parsed.dtype).toBe('float32');
    expect(parsed.shape).toEqual([2, 3, 4]);
    expect(parsed.c).toBe(true);
    expect(parsed.x).toEqual(Array.from(data));
  });

  it('writes 1-D arrays NumPy reads', () => {
    const path = join(folder, 'vector.npy');
    writeFileSync(path, encodeNpy({ shape: [3], data: Float32Array.from([1, 2, 3]) }));
    expect(python(`import numpy as np; print(np.load(${JSON.stringify(path)}).shape)`).trim()).toBe('(3,)');
  });

  it('reads files NumPy writes', () => {
    const path = join(folder, 'numpy.npy');
    python(`import numpy as np; np.save(${JSON.stringify(path)}, (np.arange(24, dtype='<f4') / 7).reshape(1, 2, 3, 4))`);
    const array = decodeNpy(new Uint8Array(readFileSync(path)), path);
    expect(array.shape).toEqual([1, 2, 3, 4]);
    const expected = Float32Array.from({ length: 24 }, (_, i) => i / 7);
    expect(Array.from(array.data)).toEqual(Array.from(expected));
  });

  it('rejects other dtypes and Fortran order', () => {
    const float64 = join(folder, 'f8.npy');
    const fortran = join(folder, 'fortran.npy');
    const bigEndian = join(folder, 'big.npy');
    python(`
import numpy as np
np.save(${JSON.stringify(float64)}, np.zeros((2, 2)))
np.save(${JSON.stringify(fortran)}, np.asfortranarray(np.zeros((2, 3), dtype='<f4')))
np.save(${JSON.stringify(bigEndian)}, np.zeros(3, dtype='>f4'))
`);
    expect(() => decodeNpy(new Uint8Array(readFileSync(float64)), float64)).toThrow(/dtype <f8 is not supported; save the array as little-endian float32/);
    expect(() => decodeNpy(new Uint8Array(readFileSync(fortran)), fortran)).toThrow(/Fortran order/);
    expect(() => decodeNpy(new Uint8Array(readFileSync(bigEndian)), bigEndian)).toThrow(/dtype >f4 is not supported/);
    expect(() => decodeNpy(new TextEncoder().encode('hello'), 'text.npy')).toThrow(/text\.npy: not a NumPy \.npy file/);
  });
});
