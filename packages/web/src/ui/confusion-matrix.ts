import { createElement } from './dom';

/** Fills `table` with `confusion[actual][predicted]`, actual classes as rows. */
export function renderConfusionMatrix(table: HTMLTableElement, classNames: readonly string[], confusion: readonly number[][]): void {
  table.replaceChildren();

  const header = table.createTHead().insertRow();
  header.append(createElement('th', 'actual ↓ / predicted →'));
  for (const name of classNames) header.append(createElement('th', name));

  const body = table.createTBody();
  confusion.forEach((counts, actual) => {
    const row = body.insertRow();
    row.append(createElement('th', classNames[actual]));
    counts.forEach((count, predicted) => {
      const cell = row.insertCell();
      cell.textContent = String(count);
      if (actual === predicted) cell.className = 'diagonal';
    });
  });
}
