// Bad input must fail with a message naming the value and the fix; no numeric oracle.
import { describe, expect, it } from 'vitest';
import { Matrix } from 'ml-matrix';
import { loadHead, trainHead } from '../src/index';

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

  it('names a missing label by its index', () => {
    expect(() => trainHead(X, ['a', undefined, 'b', 'a'] as never, { kind: 'logreg' })).toThrow('y[1] is undefined: labels must be numbers or strings');
    expect(() => trainHead(X, [0, 1, null, 1] as never, { kind: 'logreg' })).toThrow('y[2] is null');
  });

  it('rejects input that is no feature matrix', () => {
    expect(() => trainHead('abc' as never, y, { kind: 'logreg' })).toThrow("X is a string, not a feature matrix: pass one array per sample (number[][] or Float32Array[])");
    expect(() => trainHead(new Float32Array(8) as never, y, { kind: 'logreg' })).toThrow(
      'X is a Float32Array of 8 values, one flat array: split it into one row per sample (for example with subarray(i * featureSize, (i + 1) * featureSize))',
    );
    expect(() => trainHead([[0, 1], 'ab'] as never, ['a', 'b'], { kind: 'logreg' })).toThrow('X[1] is a string, not an array of features');
  });

  it('names a string option value as such', () => {
    expect(() => trainHead(X, y, { kind: 'logreg', C: '1' as never })).toThrow('C = "1" is invalid: it must be a finite number > 0, not a string');
  });

  it('rejects a head file with damaged parameters', () => {
    const saved = trainHead(X, y, { kind: 'logreg' }).toJSON();
    expect(() => loadHead({ ...saved, classes: [1] })).toThrow('offshelf head (logreg): classes is [1], expected two or more distinct labels');
    expect(() => loadHead({ ...saved, classes: ['a', 'b', 'c'] })).toThrow('offshelf head (logreg): params.nWeightVectors is 1, expected 3 for 3 classes; the file is damaged');
    const coef = [...(saved.params as { coef: number[] }).coef];
    coef[1] = null as never;
    expect(() => loadHead({ ...saved, params: { ...saved.params, coef } })).toThrow('offshelf head (logreg): params.coef[1] is null, not a finite number; the file is damaged');
    expect(() => loadHead({ ...saved, params: { ...saved.params, coef: [1] } })).toThrow('the length of params.coef is 1, expected 2 for 2 classes');

    const svm = trainHead(X, y, { kind: 'rbf-svm' }).toJSON();
    expect(() => loadHead({ ...svm, params: { ...svm.params, rho: [] } })).toThrow('offshelf head (svm): the length of params.rho is 0, expected 1 for 2 classes');
    const knn = trainHead(X, y, { kind: 'knn', nNeighbors: 1 }).toJSON();
    expect(() => loadHead({ ...knn, params: { ...knn.params, y: [0, 1, 2, 0] } })).toThrow('offshelf head (knn): params.y[2] is 2, not a class index below 2');
  });

  it('names text that is not JSON', () => {
    const text = JSON.stringify(trainHead(X, y, { kind: 'logreg' }).toJSON());
    expect(() => loadHead(text.slice(0, 40))).toThrow('not an offshelf head: the text is not valid JSON');
  });

  it('rejects options the kind does not read', () => {
    expect(() => trainHead(X, y, { kind: 'logreg', max_iter: 5 } as never)).toThrow(
      "option 'max_iter' does not apply to a logreg head (no head has it): its options are classWeight, C, tol, maxIter, plus transforms and seed",
    );
    // The type of trainHead's options rejects these at compile time too, and the run-time check covers JavaScript callers.
    // @ts-expect-error: gamma is not an option of a logreg head.
    expect(() => trainHead(X, y, { kind: 'logreg', gamma: 0.1 })).toThrow("option 'gamma' does not apply to a logreg head (it applies to svm, rbf-svm)");
    expect(() => trainHead(X, y, { kind: 'knn', nNeighbours: 1 } as never)).toThrow("option 'nNeighbours' does not apply to a knn head");
    // @ts-expect-error: classWeight is not an option of a knn head.
    expect(() => trainHead(X, y, { kind: 'knn', nNeighbors: 1, classWeight: 'balanced' })).toThrow(
      "option 'classWeight' does not apply to a knn head (it applies to logreg, linear-svm, svm, rbf-svm)",
    );
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
