-- Change one "you said, we did" row (only rows of the given jurisdiction and period, label and kind).
UPDATE forum_actions
SET concern = $concern, action = $action, status = $status, position = $position,
    updated_at = current_timestamp, updated_by = $actor
WHERE action_id = $action_id AND jurisdiction_code = $jurisdiction AND period = $period
  AND period_kind = $period_kind;
