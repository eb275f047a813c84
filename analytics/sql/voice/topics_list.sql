-- The topic dictionary, in key order.
SELECT topic, label_zh, label_en, keywords, updated_at, updated_by FROM voice_topics ORDER BY topic;
