// Exits 0 when Dawn finds a WebGPU adapter on Vulkan or OpenGL ES, 1 otherwise.
// Used by scripts/setup.sh to decide whether a software GPU must be installed.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../packages/device/package.json', import.meta.url));
const { create } = await import(require.resolve('webgpu'));

for (const backend of ['vulkan', 'opengles']) {
  if (backend === 'opengles') process.env.EGL_PLATFORM ??= 'surfaceless';
  const gpu = create([`backend=${backend}`]);
  const featureLevel = backend === 'opengles' ? 'compatibility' : 'core';
  const adapter = await gpu.requestAdapter({ featureLevel }).catch(() => null);
  if (adapter) {
    console.log(`WebGPU adapter found on ${backend}: ${adapter.info?.description || adapter.info?.device || 'unnamed'}`);
    process.exit(0);
  }
}
console.log('No WebGPU adapter found on Vulkan or OpenGL ES.');
process.exit(1);
