export * from './ir/graph';
export * from './source';
