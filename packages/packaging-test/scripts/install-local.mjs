// Packs the publishable offshelf packages with `pnpm pack` (which builds them first
// through their prepack scripts) and installs the tarballs into a project with npm,
// as a user would install them from the registry.
//
//   node packages/packaging-test/scripts/install-local.mjs PROJECT_DIR [EXTRA_NPM_PACKAGE...]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(import.meta.url), '../../../..');

/** The packages a user installs, in dependency order. */
export const PUBLISHED_PACKAGES = ['device', 'core-wgsl', 'backbone', 'heads'];

/** Runs `pnpm pack` in each published package and returns the tarball paths by package name. */
export function packPackages(destination) {
  mkdirSync(destination, { recursive: true });
  const tarballs = {};
  for (const folder of PUBLISHED_PACKAGES) {
    const packageDir = join(repoRoot, 'packages', folder);
    const { name, version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    execFileSync('pnpm', ['pack', '--pack-destination', destination], { cwd: packageDir, stdio: ['ignore', 'ignore', 'inherit'] });

    const tarball = join(destination, `${name.replace('@', '').replace('/', '-')}-${version}.tgz`);
    if (!existsSync(tarball)) throw new Error(`pnpm pack in ${packageDir} wrote no ${tarball}; check its output above.`);
    tarballs[name] = tarball;
  }
  return tarballs;
}

/**
 * Installs `tarballs` (and `extraPackages` from the npm registry) into `projectDir` with npm.
 * `overrides` make every @offshelf dependency between the tarballs resolve to a tarball
 * too, so npm never looks for an unpublished @offshelf version on the registry.
 */
export function installTarballs(projectDir, tarballs, extraPackages = []) {
  mkdirSync(projectDir, { recursive: true });
  const manifestPath = join(projectDir, 'package.json');
  const manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : { name: 'offshelf-consumer', private: true, type: 'module' };
  manifest.overrides = { ...manifest.overrides };
  for (const [name, tarball] of Object.entries(tarballs)) manifest.overrides[name] = `file:${tarball}`;
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);

  execFileSync('npm', ['install', '--no-fund', '--no-audit', '--loglevel=error', ...Object.values(tarballs), ...extraPackages], {
    cwd: projectDir,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [projectArgument, ...extraPackages] = process.argv.slice(2);
  if (!projectArgument) {
    console.error('usage: node install-local.mjs PROJECT_DIR [EXTRA_NPM_PACKAGE...]');
    process.exit(2);
  }
  const projectDir = resolve(projectArgument);
  const tarballs = packPackages(join(projectDir, 'offshelf-packages'));
  installTarballs(projectDir, tarballs, extraPackages);
  console.log(`installed ${Object.keys(tarballs).join(', ')} into ${projectDir}`);
}
