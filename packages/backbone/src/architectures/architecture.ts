import type { NetworkBuilder } from './network-builder';

/** Values a network definition returns: pooled features [N, D] and logits [N, classes]. */
export interface NetworkOutputs {
  features: string;
  logits: string;
}

/** A torchvision classification network defined in code, built from its state-dict parameters. */
export interface Architecture {
  /** torchvision's builder name, such as `resnet18` or `mobilenet_v3_small`. */
  name: string;
  /** Parameter whose first dimension is the number of classes (the last classifier layer's weight). */
  classifierWeight: string;
  /** Adds the network's nodes, reading parameters through `builder`, and returns its outputs. */
  build(builder: NetworkBuilder, numClasses: number): NetworkOutputs;
}

/** Names of the graph outputs every built-in architecture produces. */
export const FEATURES_OUTPUT = 'features';
export const LOGITS_OUTPUT = 'logits';
