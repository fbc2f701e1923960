import type { RgbaImage } from '@offshelf/backbone';

import { createElement } from './dom';
import { wireDropZone } from './drop-zone';
import { countOf } from './plural';

/** A training image: its decoded pixels and, once extracted, its feature vector. */
export interface TrainingImage {
  fileName: string;
  // NOTE: decoded pixels stay in memory so that a new backbone can re-extract them,
  // which costs width × height × 4 bytes per image (about 0.75 MB for a 500 × 375 photo).
  image: RgbaImage;
  /** Preview drawn once when the image is added. */
  thumbnail: HTMLCanvasElement;
  features?: Float32Array;
}

export interface ClassEntry {
  name: string;
  images: TrainingImage[];
}

export interface ClassListHandlers {
  onAddFiles(entry: ClassEntry, files: File[]): void;
  onRemove(entry: ClassEntry): void;
}

/** Renders one card per class with a drop zone, a file picker and thumbnails. */
export function renderClassList(container: HTMLElement, classes: readonly ClassEntry[], handlers: ClassListHandlers): void {
  container.replaceChildren();

  for (const entry of classes) {
    const card = createElement('div', undefined, { class: 'class-card drop-zone', 'data-class': entry.name });
    const title = createElement('h3');
    const extracted = entry.images.filter((image) => image.features).length;
    title.append(createElement('span', `${entry.name}: ${countOf(entry.images.length, 'image')} (${extracted} extracted)`));
    const remove = createElement('button', 'Remove', { type: 'button', title: `remove class ${entry.name}` });
    remove.addEventListener('click', () => handlers.onRemove(entry));
    title.append(remove);

    const input = createElement('input', undefined, { type: 'file', multiple: '', accept: 'image/*', 'data-class': entry.name });
    wireDropZone(card, input, (files) => handlers.onAddFiles(entry, files));

    const thumbnails = createElement('div', undefined, { class: 'thumbnails' });
    for (const image of entry.images) thumbnails.append(image.thumbnail);

    card.append(title, input, thumbnails);
    container.append(card);
  }
}
