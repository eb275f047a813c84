-- Every peer group with its members' names and levels (members no longer in the registry keep NULL names).
SELECT g.group_name, g.jurisdiction_code, j.name_zh, j.name_en, j.level
FROM peer_groups g
LEFT JOIN jurisdictions j ON j.code = g.jurisdiction_code
ORDER BY g.group_name, g.jurisdiction_code;
