import type { CaseResult } from './result';

/**
 * Merges the results of several rounds, in which every engine ran each model and batch once
 * in turn, into one result per engine, model and batch: the round with the most images/s.
 * On a machine shared with other work, engines measured in alternation meet the same slow and
 * fast phases, so their fastest rounds compare fairly. A case that never succeeded keeps its
 * first round's failure. With more than one round, `roundsImagesPerSecond` lists the figure of
 * every successful round in order.
 */
export function bestOfRounds(rounds: CaseResult[][]): CaseResult[] {
  const byCase = new Map<string, CaseResult[]>();
  for (const round of rounds) {
    for (const result of round) {
      const key = `${result.engine}|${result.model}|${result.batch}`;
      byCase.set(key, [...(byCase.get(key) ?? []), result]);
    }
  }

  return [...byCase.values()].map((results) => {
    const succeeded = results.filter((result) => result.status === 'ok' && result.imagesPerSecond !== null);
    if (succeeded.length === 0) return results[0]!;

    const best = succeeded.reduce((a, b) => (b.imagesPerSecond! > a.imagesPerSecond! ? b : a));
    if (rounds.length === 1) return best;
    return { ...best, roundsImagesPerSecond: succeeded.map((result) => result.imagesPerSecond!) };
  });
}
