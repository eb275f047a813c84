-- Distinct jurisdiction values of an upload, matched against the registry: by code first, then by
-- Chinese or English name (folded: case, width and spaces do not matter). Status is 'ok', 'ambiguous'
-- (a name shared by several jurisdictions) or 'unknown'; the loader fills suggestions and new codes.
CREATE OR REPLACE TEMP TABLE ingest_jvals AS
WITH texts AS (  -- per distinct text first: jm_norm runs regular expressions
    SELECT jurisdiction AS text, count(*) AS n_rows, min(_row) AS first_row
    FROM ingest_fields
    WHERE nullif(trim(jurisdiction), '') IS NOT NULL
    GROUP BY 1
),
vals AS (
    SELECT jm_norm(text) AS norm, min(trim(text)) AS raw, sum(n_rows) AS n_rows, min(first_row) AS first_row
    FROM texts
    GROUP BY 1
),
by_code AS (
    SELECT v.norm, min(j.code) AS code
    FROM vals v JOIN jurisdictions j ON jm_norm(j.code) = v.norm
    GROUP BY 1
),
by_name AS (
    SELECT v.norm, list(DISTINCT j.code ORDER BY j.code) AS codes
    FROM vals v JOIN jurisdictions j ON jm_norm(j.name_zh) = v.norm OR jm_norm(j.name_en) = v.norm
    GROUP BY 1
)
SELECT v.norm, v.raw, v.n_rows, v.first_row,
       coalesce(c.code, CASE WHEN len(n.codes) = 1 THEN n.codes[1] END) AS code,
       CASE WHEN c.code IS NOT NULL OR len(n.codes) = 1 THEN 'ok'
            WHEN len(n.codes) > 1 THEN 'ambiguous'
            ELSE 'unknown' END AS status,
       n.codes AS candidates,
       CAST(NULL AS VARCHAR) AS suggestion
FROM vals v LEFT JOIN by_code c USING (norm) LEFT JOIN by_name n USING (norm);
