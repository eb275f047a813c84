-- Records of a prevention or voice upload: distinct values of its id field @F.
SELECT count(DISTINCT @F) AS n FROM ingest_typed;
