// Bundles main.js and the offshelf packages it imports into dist/ for browsers, copies
// index.html beside it, and with --serve serves dist/ on http://127.0.0.1:8000
// (--port N picks another port).
import { builtinModules } from 'node:module';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import * as esbuild from 'esbuild';

const { values: options } = parseArgs({ options: { serve: { type: 'boolean' }, port: { type: 'string', default: '8000' } } });
const exampleDir = dirname(fileURLToPath(import.meta.url));
const distDir = join(exampleDir, 'dist');
mkdirSync(distDir, { recursive: true });

const result = await esbuild.build({
  entryPoints: [join(exampleDir, 'main.js')],
  outdir: distDir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});
copyFileSync(join(exampleDir, 'index.html'), join(distDir, 'index.html'));

// A Node built-in in a browser bundle means a package resolved its Node entry point.
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const nodeImports = Object.values(result.metafile.outputs).flatMap((output) => output.imports.filter((entry) => builtins.has(entry.path)));
if (nodeImports.length > 0) {
  throw new Error(`the browser bundle imports Node built-ins: ${nodeImports.map((entry) => entry.path).join(', ')}.`);
}
const bytes = Object.values(result.metafile.outputs).reduce((total, output) => total + output.bytes, 0);
console.log(`built ${distDir} (${Math.round(bytes / 1024)} KiB)`);

if (options.serve) {
  const context = await esbuild.context({});
  const { port } = await context.serve({ servedir: distDir, host: '127.0.0.1', port: Number(options.port) });
  console.log(`serving ${distDir} on http://127.0.0.1:${port}/ (Ctrl+C stops it)`);
}
