import type { Architecture } from './architecture';
import { efficientnetB0 } from './efficientnet';
import { mobilenetV2 } from './mobilenet-v2';
import { mobilenetV3Large, mobilenetV3Small } from './mobilenet-v3';
import { resnet18, resnet34, resnet50 } from './resnet';
import { squeezenet11 } from './squeezenet';

const ARCHITECTURES = new Map<string, Architecture>(
  [resnet18, resnet34, resnet50, mobilenetV2, mobilenetV3Small, mobilenetV3Large, efficientnetB0, squeezenet11].map((arch) => [arch.name, arch]),
);

/** Names of the built-in architectures, as torchvision's builder functions name them. */
export const SUPPORTED_ARCHITECTURES: readonly string[] = [...ARCHITECTURES.keys()];

/** Returns the built-in architecture called `name`, or undefined. */
export function findArchitecture(name: string): Architecture | undefined {
  return ARCHITECTURES.get(name);
}
