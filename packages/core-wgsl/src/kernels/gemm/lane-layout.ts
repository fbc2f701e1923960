/**
 * The split of a register-blocked workgroup's invocations between column blocks (x)
 * and row blocks (y). Lanes go along the columns, and only when there are fewer
 * column blocks than invocations do the remaining lanes take further row blocks, so small
 * outputs such as 7×7 feature maps still fill the workgroup.
 */
export interface LaneLayout {
  columnLanes: number;
  rowLanes: number;
}

export const WORKGROUP_SIZE = 64;

/**
 * Splits a workgroup of `workgroupSize` lanes (a power of two) for an output of `columnBlocks`
 * blocks per row. The lanes along x are a power of two and at least `minColumnLanes` (a power of
 * two up to the workgroup size), which keeps whole subgroups in one row block.
 */
export function laneLayout(columnBlocks: number, minColumnLanes = 1, workgroupSize = WORKGROUP_SIZE): LaneLayout {
  let columnLanes = minColumnLanes;
  while (columnLanes < columnBlocks && columnLanes < workgroupSize) columnLanes *= 2;
  return { columnLanes, rowLanes: workgroupSize / columnLanes };
}
