-- Remove peer group $group.
DELETE FROM peer_groups WHERE group_name = $group;
