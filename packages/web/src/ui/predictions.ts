import { createElement } from './dom';

/** One classified image: its file name and a probability per class. */
export interface Prediction {
  fileName: string;
  label: string;
  probabilities: number[];
}

/** Fills `table` with one row per image: the top label and every class probability. */
export function renderPredictions(table: HTMLTableElement, classNames: readonly string[], predictions: readonly Prediction[]): void {
  table.replaceChildren();
  table.hidden = predictions.length === 0;

  const header = table.createTHead().insertRow();
  for (const title of ['image', 'label', ...classNames.map((name) => `P(${name})`)]) header.append(createElement('th', title));

  const body = table.createTBody();
  for (const prediction of predictions) {
    const row = body.insertRow();
    row.dataset.file = prediction.fileName;
    row.dataset.label = prediction.label;
    row.insertCell().textContent = prediction.fileName;
    const label = row.insertCell();
    label.className = 'label';
    label.textContent = prediction.label;
    for (const probability of prediction.probabilities) row.insertCell().textContent = probability.toFixed(3);
  }
}
