-- Replace the members of peer group $group with the codes in $codes (a list, in its order).
DELETE FROM peer_groups WHERE group_name = $group;
INSERT INTO peer_groups (group_name, jurisdiction_code)
SELECT $group, code FROM unnest($codes) WITH ORDINALITY AS t(code, i) ORDER BY i;
