// Round trip through the offshelf-head JSON format: a loaded head must give bit-identical outputs,
// because JSON numbers round-trip float64 exactly. The oracle is the head before saving.
import { describe, expect, it } from 'vitest';
import { type HeadSpec, loadHead, trainHead } from '../src/index';
import { loadFixture, rowsOf } from './fixtures';

const iris = loadFixture('iris');
const cancer = loadFixture('breast_cancer');

const specs: [string, HeadSpec, typeof iris][] = [
  ['logreg multinomial', { kind: 'logreg', transforms: ['standardize'] }, iris],
  ['logreg binary', { kind: 'logreg', transforms: ['standardize', { kind: 'pca', nComponents: 4, whiten: true }] }, cancer],
  ['linear-svm with Platt', { kind: 'linear-svm', transforms: ['standardize'], probability: true }, iris],
  ['rbf-svm with Platt', { kind: 'rbf-svm', transforms: ['standardize'], probability: true }, iris],
  ['poly svm ovo', { kind: 'svm', kernel: 'poly', degree: 2, gamma: 'auto', decisionFunctionShape: 'ovo' }, iris],
  ['knn cosine', { kind: 'knn', metric: 'cosine', weights: 'distance', transforms: ['l2-normalize'] }, cancer],
  ['nearest-centroid', { kind: 'nearest-centroid' }, iris],
];

describe.each(specs)('head JSON %s', (_name, spec, fixture) => {
  it('loads back to identical outputs', () => {
    const head = trainHead(rowsOf(fixture.XTrain), fixture.yTrain, spec);
    const json = JSON.stringify(head.toJSON());
    const parsed = JSON.parse(json);
    expect(parsed.format).toBe('offshelf-head');
    expect(parsed.version).toBe(1);

    const loaded = loadHead(json);
    const XTest = rowsOf(fixture.XTest);
    expect(loaded.classes).toEqual(head.classes);
    expect(loaded.predict(XTest)).toEqual(head.predict(XTest));
    expect(loaded.decisionFunction(XTest)).toEqual(head.decisionFunction(XTest));
    const hasProbabilities = spec.kind === 'logreg' || spec.kind === 'knn' || spec.probability === true;
    if (hasProbabilities) expect(loaded.predictProba(XTest)).toEqual(head.predictProba(XTest));
  });
});

describe('loadHead', () => {
  it('rejects other formats and versions', () => {
    expect(() => loadHead({ format: 'other' } as never)).toThrow(/not an offshelf head/);
    const head = trainHead(rowsOf(iris.XTrain), iris.yTrain, { kind: 'nearest-centroid' });
    expect(() => loadHead({ ...head.toJSON(), version: 2 })).toThrow(/version 2 is not supported/);
  });

  it('names the missing format field', () => {
    expect(() => loadHead({ name: 'package' } as never)).toThrow('not an offshelf head (the JSON object has no "format" field, expected "offshelf-head")');
    expect(() => loadHead('[1, 2]')).toThrow('(the JSON is an array, not an object');
    expect(() => loadHead({ format: 'other' } as never)).toThrow('(its "format" is "other"');
  });

  it('points a model bundle to its head', () => {
    const head = trainHead(rowsOf(iris.XTrain), iris.yTrain, { kind: 'nearest-centroid' });
    const bundle = { format: 'offshelf-model', version: 1, head: head.toJSON() };
    expect(() => loadHead(bundle as never)).toThrow('pass its "head" field: loadHead(bundle.head)');
    expect(loadHead(bundle.head).classes).toEqual(head.classes);
  });
});
