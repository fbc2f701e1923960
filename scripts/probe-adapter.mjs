// Reports which WebGPU adapter Dawn finds, for scripts/setup.sh.
// Exit status: 0 for an adapter on Vulkan, 2 when only OpenGL ES (compatibility mode) gives one,
// 1 when neither does. Stock Debian 12 has Mesa 22, whose llvmpipe only works through OpenGL ES:
// setup.sh then installs a newer Mesa's lavapipe, which runs the Vulkan backend with subgroups.
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
    process.exit(backend === 'vulkan' ? 0 : 2);
  }
}
console.log('No WebGPU adapter found on Vulkan or OpenGL ES.');
process.exit(1);
