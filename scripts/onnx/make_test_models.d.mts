/** Writes the ResNet-18, MobileNetV3-Small and EfficientNet-B0 shaped test models into `dir` and returns their paths. */
export function writeTestModels(dir: string): { resnet18: string; mobilenetV3Small: string; efficientNetB0: string };
export function resnet18Like(): Uint8Array;
/** The MobileNetV3-Small shaped model for `size`×`size` inputs (default 64). */
export function mobilenetV3SmallLike(size?: number): Uint8Array;
export function efficientNetB0Like(): Uint8Array;
