-- Add or change one dictionary topic.
INSERT INTO voice_topics (topic, label_zh, label_en, keywords, updated_at, updated_by)
VALUES ($topic, $label_zh, $label_en, $keywords, current_timestamp, $actor)
ON CONFLICT (topic) DO UPDATE SET label_zh = excluded.label_zh, label_en = excluded.label_en,
    keywords = excluded.keywords, updated_at = excluded.updated_at, updated_by = excluded.updated_by;
