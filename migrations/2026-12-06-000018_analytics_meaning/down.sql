-- Nothing to undo: the rollups are recomputed from the raw activity, whatever rule counts it.
SELECT 1;
