// Oracle: scikit-learn 1.2 StandardScaler followed by PCA(n_components=5, svd_solver='full')
// on breast cancer features, from the fixture.
import { describe, expect, it } from 'vitest';
import { trainHead } from '../src/index';
import { compare, loadFixture, rowsOf } from './fixtures';

const fixture = loadFixture('breast_cancer');
const reference = fixture.pca as Record<string, any>;

function pcaOf(whiten: boolean) {
  const head = trainHead(rowsOf(fixture.XTrain), fixture.yTrain, {
    kind: 'nearest-centroid',
    transforms: ['standardize', { kind: 'pca', nComponents: 5, whiten }],
  });
  const pca = head.transforms[1]!;
  if (pca.kind !== 'pca') throw new Error('expected a PCA transform');
  return { head, pca };
}

describe('pca transform', () => {
  it('explained variance matches', () => {
    const { pca } = pcaOf(false);
    // Eigenvalues of the covariance vs squared singular values: both exact to ~1e-12 relative in float64.
    pca.explainedVariance.forEach((v: number, k: number) => {
      expect(Math.abs(v - reference.explainedVariance[k]) / reference.explainedVariance[k], `component ${k}: ours ${v} vs ${reference.explainedVariance[k]}`).toBeLessThanOrEqual(1e-8);
    });
  });

  it('components and signs match svd_flip', () => {
    const { pca } = pcaOf(false);
    const d = reference.components.columns;
    const rows = Array.from({ length: 5 }, (_, c) => pca.components.slice(c * d, (c + 1) * d));
    // Components are unit vectors with well-separated eigenvalues here, so 1e-7 absolute covers eigensolver rounding.
    const diff = compare(rows, reference.components);
    expect(diff.maxAbs, `max abs ${diff.maxAbs} at ${diff.worst}`).toBeLessThanOrEqual(1e-7);
  });

  it('test-set scores match, plain and whitened', () => {
    // Scores are sums of 30 products of O(1) values, so 1e-6 absolute covers the 1e-7 component error.
    const plain = compare(pcaOf(false).head.transform(rowsOf(fixture.XTest)), reference.testScores);
    expect(plain.maxAbs, `max abs ${plain.maxAbs} at ${plain.worst}`).toBeLessThanOrEqual(1e-6);
    const whitened = compare(pcaOf(true).head.transform(rowsOf(fixture.XTest)), reference.testScoresWhitened);
    expect(whitened.maxAbs, `max abs ${whitened.maxAbs} at ${whitened.worst}`).toBeLessThanOrEqual(1e-6);
  });

  it('l2-normalize then knn predicts', () => {
    const head = trainHead(rowsOf(fixture.XTrain), fixture.yTrain, { kind: 'knn', transforms: ['standardize', 'l2-normalize'] });
    expect(head.predict(rowsOf(fixture.XTest))).toHaveLength(fixture.XTest.rows);
  });
});
