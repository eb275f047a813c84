-- Add one "you said, we did" row.
INSERT INTO forum_actions (jurisdiction_code, period, period_kind, concern, action, status, position, updated_at,
                           updated_by, topics)
VALUES ($jurisdiction, $period, $period_kind, $concern, $action, $status, $position, current_timestamp, $actor,
        CAST($topics AS VARCHAR[]));
