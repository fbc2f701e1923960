// Bad input must fail with a message naming the value and the fix; no numeric oracle.
import { describe, expect, it } from 'vitest';
import { Matrix } from 'ml-matrix';
import { trainHead } from '../src/index';

const X = [
  [0, 1],
  [1, 0],
  [1, 1],
  [0, 0],
];
const y = ['a', 'b', 'a', 'b'];

describe('bad input', () => {
  it('rejects NaN and infinite features', () => {
    expect(() => trainHead([[0, 1], [NaN, 0]], ['a', 'b'], { kind: 'logreg' })).toThrow(/X\[1\]\[0\] is NaN/);
    expect(() => trainHead([[0, Infinity], [1, 0]], ['a', 'b'], { kind: 'logreg' })).toThrow(/X\[0\]\[1\] is Infinity/);
    const head = trainHead(X, y, { kind: 'logreg' });
    expect(() => head.predict([[0, -Infinity]])).toThrow(/X\[0\]\[1\] is -Infinity/);
  });

  it('rejects a single class', () => {
    expect(() => trainHead(X, ['a', 'a', 'a', 'a'], { kind: 'linear-svm' })).toThrow(/single class \("a"\)/);
  });

  it('rejects empty data', () => {
    expect(() => trainHead([], [], { kind: 'logreg' })).toThrow(/X is empty/);
    expect(() => trainHead([[], []], ['a', 'b'], { kind: 'logreg' })).toThrow(/0 features/);
  });

  it('rejects mismatched lengths and dimensions', () => {
    expect(() => trainHead(X, ['a', 'b'], { kind: 'logreg' })).toThrow(/X has 4 samples but y has 2 labels/);
    expect(() => trainHead([[0, 1], [1]], ['a', 'b'], { kind: 'logreg' })).toThrow(/X\[1\] has 1 features but X\[0\] has 2/);
    const head = trainHead(X, y, { kind: 'rbf-svm' });
    expect(() => head.predict([[0, 1, 2]])).toThrow(/X has 3 features but this svm head was trained on 2/);
  });

  it('rejects unknown class weights and options', () => {
    expect(() => trainHead(X, y, { kind: 'logreg', classWeight: { c: 2 } })).toThrow(/class_weight names class "c", which is not in y/);
    expect(() => trainHead(X, y, { kind: 'logreg', classWeight: { a: -1 } })).toThrow(/class_weight for class "a" is -1/);
    expect(() => trainHead(X, y, { kind: 'logreg', classWeight: 'auto' as never })).toThrow(/class_weight 'auto' is unknown/);
    expect(() => trainHead(X, y, { kind: 'logreg', C: 0 })).toThrow(/C = 0 is invalid/);
    expect(() => trainHead(X, y, { kind: 'svm', gamma: -1 })).toThrow(/gamma = -1 is invalid/);
    expect(() => trainHead(X, y, { kind: 'svm', kernel: 'cubic' as never })).toThrow(/kernel 'cubic' is unknown/);
    expect(() => trainHead(X, y, { kind: 'knn', nNeighbors: 9 })).toThrow(/nNeighbors = 9 is invalid/);
    expect(() => trainHead(X, y, { kind: 'forest' as never })).toThrow(/head kind 'forest' is unknown/);
    expect(() => trainHead(X, y, { kind: 'logreg', maxIter: -1 })).toThrow(/maxIter = -1 is invalid/);
    expect(() => trainHead(X, y, { kind: 'linear-svm', loss: 'log' as never })).toThrow(/loss 'log' is unknown/);
    expect(() => trainHead(X, y, { kind: 'linear-svm', multiClass: 'ovo' as never })).toThrow(/multiClass 'ovo' is unknown/);
    expect(() => trainHead(X, y, { kind: 'logreg', transforms: [{ kind: 'pca', nComponents: 3 }] })).toThrow(/PCA nComponents = 3 is invalid/);
  });

  it('class weight Map equals object', () => {
    const fromMap = trainHead(X, y, { kind: 'linear-svm', classWeight: new Map([['a', 3]]) }).decisionFunction(X);
    const fromObject = trainHead(X, y, { kind: 'linear-svm', classWeight: { a: 3 } }).decisionFunction(X);
    expect(fromMap).toEqual(fromObject);
  });

  it('rejects predictProba without Platt scaling', () => {
    expect(() => trainHead(X, y, { kind: 'rbf-svm' }).predictProba(X)).toThrow(/probability: true/);
    expect(() => trainHead(X, y, { kind: 'linear-svm' }).predictProba(X)).toThrow(/probability: true/);
  });

  it('accepts Float32Array rows and ml-matrix input', () => {
    const rows = X.map((r) => Float32Array.from(r));
    const a = trainHead(rows, y, { kind: 'logreg' }).predict(rows);
    const b = trainHead(new Matrix(X), y, { kind: 'logreg' }).predict(new Matrix(X));
    expect(a).toEqual(b);
  });
});
