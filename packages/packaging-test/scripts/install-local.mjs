// Builds and packs the publishable offshelf packages with `pnpm pack` and installs
// the tarballs into a project with npm, as a user would install them from the registry.
//
//   node packages/packaging-test/scripts/install-local.mjs PROJECT_DIR
//
// The tarballs go to PROJECT_DIR/offshelf-packages/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(import.meta.url), '../../../..');

/** The packages a user installs, in dependency order. */
export const PUBLISHED_PACKAGES = ['device', 'core-wgsl', 'backbone', 'heads'];

/**
 * Builds the published packages with turbo, then runs `pnpm pack` in each and returns
 * the tarball paths by package name. turbo reuses its cache when the sources have not
 * changed since `pnpm build`, and `pnpm pack` runs with scripts off, so the packages'
 * prepack build does not run a second time.
 */
export function packPackages(destination) {
  mkdirSync(destination, { recursive: true });
  const manifests = PUBLISHED_PACKAGES.map((folder) => JSON.parse(readFileSync(join(repoRoot, 'packages', folder, 'package.json'), 'utf8')));
  const filters = manifests.map((manifest) => `--filter=${manifest.name}`);
  execFileSync('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only', ...filters], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });

  const tarballs = {};
  for (const [index, folder] of PUBLISHED_PACKAGES.entries()) {
    const packageDir = join(repoRoot, 'packages', folder);
    const { name, version } = manifests[index];
    execFileSync('pnpm', ['pack', '--config.ignore-scripts=true', '--pack-destination', destination], { cwd: packageDir, stdio: ['ignore', 'ignore', 'inherit'] });

    const tarball = join(destination, `${name.replace('@', '').replace('/', '-')}-${version}.tgz`);
    if (!existsSync(tarball)) throw new Error(`pnpm pack in ${packageDir} wrote no ${tarball}; check its output above.`);
    tarballs[name] = tarball;
  }
  return tarballs;
}

/**
 * Installs `tarballs` into `projectDir` with `npm install --no-save`, which leaves the
 * project's package.json as it is. The tarballs are installed in one command, so npm
 * satisfies their @offshelf dependencies on each other from the tarballs instead of
 * looking for unpublished versions on the registry. The project's own dependencies
 * (`npm install` of its package.json) are installed in the same run.
 */
export function installTarballs(projectDir, tarballs) {
  mkdirSync(projectDir, { recursive: true });
  const manifestPath = join(projectDir, 'package.json');
  if (!existsSync(manifestPath)) writeFileSync(manifestPath, `${JSON.stringify({ name: 'offshelf-consumer', private: true, type: 'module' }, null, 2)}\n`);

  execFileSync('npm', ['install', '--no-save', '--no-fund', '--no-audit', '--loglevel=error', ...Object.values(tarballs)], {
    cwd: projectDir,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [projectArgument] = process.argv.slice(2);
  if (!projectArgument) {
    console.error('usage: node install-local.mjs PROJECT_DIR');
    process.exit(2);
  }
  const projectDir = resolve(projectArgument);
  const tarballs = packPackages(join(projectDir, 'offshelf-packages'));
  installTarballs(projectDir, tarballs);
  console.log(`installed ${Object.keys(tarballs).join(', ')} into ${projectDir}`);
}
