-- Add one "you said, we did" row.
INSERT INTO forum_actions (jurisdiction_code, period, concern, action, status, position, updated_at, updated_by,
                           topics)
VALUES ($jurisdiction, $period, $concern, $action, $status, $position, current_timestamp, $actor,
        CAST($topics AS VARCHAR[]));
