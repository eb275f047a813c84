-- jm_row_place(): where a record coded to a jurisdiction sits, for the lists that show it row by row (respondents,
-- cases, disputes, hazards, demands, comments). One row per registry code:
--   code        the record's jurisdiction_code
--   station     its station: the code itself for a station, the station above it for a community (社区/村); a
--               row coded above the stations (a district or the city, warned at upload) has no station and keeps
--               its own code, as before
--   station_name_zh, station_name_en   that station's names
--   community   the community the row is coded to (NULL for a station's own rows)
--   community_name_zh, community_name_en   its names (NULL likewise)
CREATE OR REPLACE TEMP MACRO jm_row_place() AS TABLE
SELECT j.code,
       s.code AS station, s.name_zh AS station_name_zh, s.name_en AS station_name_en,
       CASE WHEN j.level = 'community' THEN j.code END AS community,
       CASE WHEN j.level = 'community' THEN j.name_zh END AS community_name_zh,
       CASE WHEN j.level = 'community' THEN j.name_en END AS community_name_en
FROM jurisdictions j
LEFT JOIN jurisdiction_ancestors up ON up.code = j.code AND up.ancestor_level = 'station'
JOIN jurisdictions s ON s.code = coalesce(up.ancestor_code, j.code);
