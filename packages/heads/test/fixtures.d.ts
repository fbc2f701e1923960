import type { HeadSpec, Label } from '../src/index';
export interface FixtureMatrix {
    rows: number;
    columns: number;
    data: number[];
}
export interface ModelFixture {
    spec: Record<string, any>;
    predict: Label[];
    objective?: number;
    objectives?: number[] | null;
    coef?: FixtureMatrix;
    intercept?: number[];
    decision?: FixtureMatrix;
    decisionOvo?: FixtureMatrix;
    proba?: FixtureMatrix;
    gammaValue?: number;
    nSupport?: number[];
}
export interface DatasetFixture {
    dataset: string;
    transforms: 'standardize'[];
    XTrain: FixtureMatrix;
    yTrain: Label[];
    XTest: FixtureMatrix;
    yTest: Label[];
    stratifiedKFold5: number[];
    models: Record<string, ModelFixture>;
    [extra: string]: any;
}
/** Dataset fixtures; 'cnn' (CNN features) exists only after running the generator with --cnn-features. */
export declare const DATASETS: string[];
export declare function loadFixture(name: string): DatasetFixture;
export declare function rowsOf(m: FixtureMatrix): Float64Array[];
/** Our HeadSpec for a fixture's scikit-learn estimator, with the fixture's transforms. */
export declare function specFor(fixture: DatasetFixture, model: ModelFixture, overrides?: Partial<HeadSpec>): HeadSpec;
/** Fraction of positions where the two label arrays agree. */
export declare function agreement(a: Label[], b: Label[]): number;
/** Max absolute and max relative (to max(|expected|, 1e-12)) difference, and where the largest absolute one is. */
export declare function compare(actual: ArrayLike<number>[], expected: FixtureMatrix): {
    maxAbs: number;
    maxRel: number;
    worst: string;
};
/** Models in every dataset fixture whose spec kind is `kind`. */
export declare function casesOfKind(kind: string): [string, DatasetFixture, string, ModelFixture][];
