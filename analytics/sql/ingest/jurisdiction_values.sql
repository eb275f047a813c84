-- Distinct jurisdiction values of an upload, matched against the registry within the chosen parent
-- ($within: a city or district code, NULL = the whole registry). A value is first recoded by the
-- mapping's value_maps.jurisdiction (a value recoded to null counts as blank and is left to the blank
-- check), then matched by code or by Chinese or English name (folded: case, width and spaces do not
-- matter). Several cities may share the registry, so a value is never matched silently across them:
--   ok          one code (a code match wins over name matches under the same root city);
--   ambiguous   a name shared by several jurisdictions under one root;
--   other_root  matches under more than one root city (candidates name them all);
--   outside     nothing under $within, but matches elsewhere (candidates name them);
--   unknown     nothing anywhere (the loader fills suggestions and new codes).
-- Candidates are labelled 'code name_zh / name_en (root)' so a problem message names both sides.
CREATE OR REPLACE TEMP TABLE ingest_jvals AS
WITH texts AS (  -- per distinct text first: jm_norm runs regular expressions
    SELECT jurisdiction AS text, count(*) AS n_rows, min(_row) AS first_row
    FROM ingest_fields
    WHERE nullif(trim(jurisdiction), '') IS NOT NULL
    GROUP BY 1
),
vals0 AS (
    SELECT jm_norm(text) AS norm, min(trim(text)) AS raw, sum(n_rows) AS n_rows, min(first_row) AS first_row
    FROM texts
    GROUP BY 1
),
vals AS (
    SELECT v.*, coalesce(jm_norm(r.code), v.norm) AS target
    FROM vals0 v LEFT JOIN ingest_vmap r ON r.target = 'jurisdiction' AND r.key = v.norm
    WHERE r.key IS NULL OR r.code IS NOT NULL
),
roots AS (
    SELECT a.code, a.ancestor_code AS root
    FROM jurisdiction_ancestors a JOIN jurisdictions r ON r.code = a.ancestor_code AND r.parent_code IS NULL
),
matches AS (
    SELECT v.norm, j.code, jm_norm(j.code) = v.target AS by_code, rt.root,
           $within IS NULL OR EXISTS (SELECT 1 FROM jurisdiction_ancestors s
                                      WHERE s.code = j.code AND s.ancestor_code = $within) AS inside,
           j.code || ' ' || j.name_zh || ' / ' || j.name_en || ' (' || rt.root || ')' AS label
    FROM vals v
    JOIN jurisdictions j ON jm_norm(j.code) = v.target OR jm_norm(j.name_zh) = v.target OR jm_norm(j.name_en) = v.target
    JOIN roots rt ON rt.code = j.code
),
agg AS (
    SELECT norm,
           min(code) FILTER (WHERE inside AND by_code) AS code_hit,
           list(DISTINCT code ORDER BY code) FILTER (WHERE inside AND NOT by_code) AS name_hits,
           count(DISTINCT root) FILTER (WHERE inside) AS n_roots,
           list(DISTINCT label ORDER BY label) FILTER (WHERE inside) AS inside_labels,
           list(DISTINCT label ORDER BY label) FILTER (WHERE NOT inside) AS outside_labels
    FROM matches
    GROUP BY 1
)
SELECT v.norm, v.raw, v.n_rows, v.first_row,
       CASE WHEN a.n_roots = 1 THEN coalesce(a.code_hit, CASE WHEN len(a.name_hits) = 1 THEN a.name_hits[1] END)
       END AS code,
       CASE WHEN a.n_roots > 1 THEN 'other_root'
            WHEN a.code_hit IS NOT NULL OR len(a.name_hits) = 1 THEN 'ok'
            WHEN len(a.name_hits) > 1 THEN 'ambiguous'
            WHEN len(a.outside_labels) > 0 THEN 'outside'
            ELSE 'unknown' END AS status,
       CASE WHEN a.n_roots > 1 THEN a.inside_labels
            WHEN a.code_hit IS NULL AND len(a.name_hits) > 1 THEN a.name_hits
            WHEN a.code_hit IS NULL AND coalesce(len(a.name_hits), 0) = 0 THEN a.outside_labels END AS candidates,
       CAST(NULL AS VARCHAR) AS suggestion
FROM vals v LEFT JOIN agg a USING (norm);
