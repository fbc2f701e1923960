import type { HeadJson } from '@offshelf/heads';

import type { BackboneInfo } from './backbone-session';
import type { CrossValidationResult } from './training-protocol';

/** A trained head with the class names and the backbone it was trained on. */
export interface TrainedModel {
  head: HeadJson;
  /** Class names in the head's column order. */
  classNames: string[];
  backbone: BackboneInfo;
  crossValidation?: CrossValidationResult;
}

export function createBundle(trained: TrainedModel): unknown {
  return trained;
}

export function parseBundle(text: string, fileName: string): TrainedModel {
  void fileName;
  return JSON.parse(text) as TrainedModel;
}
