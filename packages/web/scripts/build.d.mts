import type { BuildOptions } from 'esbuild';

export const browserBundleOptions: BuildOptions;
export function buildWebApp(outdir?: string): Promise<string>;
