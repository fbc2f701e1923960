import type { RgbaImage } from '@offshelf/backbone';

import type { OffshelfApp } from './app';

/** Raw RGBA8 pixels at a URL, with their size (for tests that decode images outside the page). */
export interface RawImageReference {
  url: string;
  width: number;
  height: number;
}

/** The automation surface at `window.offshelf`, used by the browser tests. */
export interface OffshelfAutomation {
  app: OffshelfApp;
  /** Extracts features for raw RGBA8 images with the loaded backbone on the page's device. */
  extractRawImages(images: RawImageReference[]): Promise<number[][]>;
  /** Destroys the page's device behind the app's back, as a driver reset would, to test recovery. */
  loseDevice(): Promise<void>;
}

async function fetchRawImage({ url, width, height }: RawImageReference): Promise<RgbaImage> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`failed to fetch ${url}: HTTP ${response.status}`);
  const data = new Uint8Array(await response.arrayBuffer());
  if (data.length !== width * height * 4) {
    throw new Error(`${url} has ${data.length} bytes, but a ${width}×${height} RGBA8 image needs ${width * height * 4}`);
  }
  return { width, height, data };
}

export function installAutomation(app: OffshelfApp): void {
  const automation: OffshelfAutomation = {
    app,
    async extractRawImages(references) {
      if (!app.backbone) throw new Error('no backbone loaded: load a model before extracting');
      const images = await Promise.all(references.map(fetchRawImage));
      const features = await app.backbone.extract(images);
      return features.map((row) => Array.from(row));
    },
    async loseDevice() {
      const handle = await app.gpu.acquire();
      handle.device.destroy();
      await handle.lost;
    },
  };
  Object.assign(globalThis, { offshelf: automation });
}
