-- Comments per jurisdiction (at $level) x lexicon tone in the date range: counts only (every role).
SELECT a.ancestor_code AS jurisdiction, x.tone, count(*) AS n
FROM comments x
JOIN jurisdiction_ancestors a ON a.code = x.jurisdiction_code AND a.ancestor_level = $level
WHERE ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
  AND ($stations IS NULL OR list_contains($stations, x.jurisdiction_code))
  AND ($date_from IS NULL OR x.commented_at >= $date_from)
  AND ($date_to IS NULL OR x.commented_at <= $date_to)
GROUP BY ALL
ORDER BY jurisdiction, x.tone;
