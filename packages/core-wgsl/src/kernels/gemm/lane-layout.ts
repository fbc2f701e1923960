/**
 * The split of a register-blocked workgroup's 64 invocations between column blocks (x)
 * and row blocks (y). Lanes go along the columns, and only when there are fewer
 * than 64 column blocks do the remaining lanes take further row blocks, so small
 * outputs such as 7×7 feature maps still fill the workgroup.
 */
export interface LaneLayout {
  columnLanes: number;
  rowLanes: number;
}

export const WORKGROUP_SIZE = 64;

/**
 * Splits 64 lanes for an output of `columnBlocks` blocks per row: a power of two along x,
 * at least `minColumnLanes` (a power of two up to 64), which keeps whole subgroups in one row block.
 */
export function laneLayout(columnBlocks: number, minColumnLanes = 1): LaneLayout {
  let columnLanes = minColumnLanes;
  while (columnLanes < columnBlocks && columnLanes < WORKGROUP_SIZE) columnLanes *= 2;
  return { columnLanes, rowLanes: WORKGROUP_SIZE / columnLanes };
}
