-- Every indicator key (a measure may be mapped to one of them).
SELECT key FROM indicators;
