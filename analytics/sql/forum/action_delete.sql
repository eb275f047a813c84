-- Remove one "you said, we did" row (only rows of the given jurisdiction and period, label and kind).
DELETE FROM forum_actions
WHERE action_id = $action_id AND jurisdiction_code = $jurisdiction AND period = $period
  AND period_kind = $period_kind;
