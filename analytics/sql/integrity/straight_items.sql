-- requires: integrity/base
-- Straight-lining, jurisdiction units: per unit, respondents with 4+ ordinal items answered (n), those at the
-- top code on every one (k), and the number expected if each respondent's items were answered independently
-- with the unit's own item-level top shares (expected_indep = sum over respondents of the product of the
-- top shares of the items they answered).
WITH r AS (
    SELECT * FROM jm_integrity_resp($date_from, $date_to, $level) WHERE n_items >= 4
),
ordinal AS (
    SELECT item, CAST(list_max(list_transform(json_keys(codes), lambda k: TRY_CAST(k AS INTEGER))) AS VARCHAR) AS top_code,
           json_keys(codes) AS codes
    FROM items
    WHERE scale IN ('likert4', 'likert5', 'likert7', 'three_level', 'scale0_10', 'scale1_10', 'scale0_100')
),
cells AS (
    SELECT r.unit, r.respondent_key, a.item, a.code = o.top_code AS top
    FROM r JOIN answers a USING (respondent_key) JOIN ordinal o ON o.item = a.item
    WHERE list_contains(o.codes, a.code)
),
shares AS (
    SELECT unit, item, avg(CAST(top AS DOUBLE)) AS p_top FROM cells GROUP BY unit, item
),
per_resp AS (
    SELECT c.unit, c.respondent_key, exp(sum(ln(greatest(s.p_top, 1e-12)))) AS p_indep
    FROM cells c JOIN shares s USING (unit, item)
    GROUP BY c.unit, c.respondent_key
)
SELECT r.unit, count(*) AS n, count(*) FILTER (WHERE r.straight) AS k, sum(p.p_indep) AS expected_indep
FROM r JOIN per_resp p USING (unit, respondent_key)
GROUP BY r.unit
ORDER BY r.unit;
