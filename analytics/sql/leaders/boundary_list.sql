-- Stored shapes of the jurisdictions at $level (NULL: every level) among $codes (NULL: all), by code.
SELECT b.code, j.level, CAST(b.geometry AS VARCHAR) AS geometry, b.source_name, b.loaded_at
FROM jurisdiction_boundaries b
JOIN jurisdictions j ON j.code = b.code
WHERE ($level IS NULL OR j.level = $level)
  AND ($codes IS NULL OR list_contains($codes, b.code))
ORDER BY b.code;
