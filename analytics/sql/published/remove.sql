-- Remove one published load ($load_id): its figures go, the load is kept as 'removed' (the audit log names it),
-- and the external areas it created go too unless a figure of another load still names them.
DELETE FROM published_results WHERE load_id = $load_id;

DELETE FROM external_jurisdictions j
WHERE j.load_id = $load_id
  AND NOT EXISTS (SELECT 1 FROM published_results r WHERE r.root = j.root AND r.jurisdiction = j.code)
  AND NOT EXISTS (SELECT 1 FROM published_results r WHERE j.code = '' AND r.root = j.root);

UPDATE published_loads SET status = 'removed' WHERE load_id = $load_id;
