-- Append a validated case upload as batch $batch_id. A case already loaded gets a new row that
-- supersedes the old one (the cases view shows the newest loaded batch). Fields the file does not
-- give ($given_x false) carry the case's current value forward; fields listed in the mapping's
-- keep_existing ($keep_x true) keep the current value when there is one.
-- An opinion text (redacted in TEMP ingest_text before this runs) is stored only as a callback comment
-- ('case:' || case_id) with its tone and derived topics, never in case_events; giving one implies that
-- opinions were collected.
INSERT INTO case_events (batch_id, case_id, jurisdiction_code, category, is_small, reported_at,
                         first_response_at, closed_at, status, outcome, mediation_agreed, callback_at,
                         callback_result, rectification_status, rectified_at, reporter_hash,
                         category_label, outcome_label, callback_operator, dispute_ref,
                         opinion_collected)
SELECT
    $batch_id,
    n.case_id,
    CASE WHEN $keep_jurisdiction THEN coalesce(p.jurisdiction_code, n.jurisdiction) ELSE n.jurisdiction END,
    CASE WHEN $keep_category THEN coalesce(p.category, n.category)
         WHEN $given_category THEN n.category ELSE p.category END,
    CASE WHEN $keep_is_small THEN coalesce(p.is_small, n.is_small)
         WHEN $given_is_small THEN n.is_small ELSE p.is_small END,
    CASE WHEN $keep_reported_at THEN coalesce(p.reported_at, n.reported_at) ELSE n.reported_at END,
    CASE WHEN $keep_first_response_at THEN coalesce(p.first_response_at, n.first_response_at)
         WHEN $given_first_response_at THEN n.first_response_at ELSE p.first_response_at END,
    CASE WHEN $keep_closed_at THEN coalesce(p.closed_at, n.closed_at)
         WHEN $given_closed_at THEN n.closed_at ELSE p.closed_at END,
    CASE WHEN $keep_status THEN coalesce(p.status, n.status)
         WHEN $given_status THEN n.status ELSE p.status END,
    CASE WHEN $keep_outcome THEN coalesce(p.outcome, n.outcome)
         WHEN $given_outcome THEN n.outcome ELSE p.outcome END,
    CASE WHEN $keep_mediation_agreed THEN coalesce(p.mediation_agreed, n.mediation_agreed)
         WHEN $given_mediation_agreed THEN n.mediation_agreed ELSE p.mediation_agreed END,
    CASE WHEN $keep_callback_at THEN coalesce(p.callback_at, n.callback_at)
         WHEN $given_callback_at THEN n.callback_at ELSE p.callback_at END,
    CASE WHEN $keep_callback_result THEN coalesce(p.callback_result, n.callback_result)
         WHEN $given_callback_result THEN n.callback_result ELSE p.callback_result END,
    CASE WHEN $keep_rectification_status THEN coalesce(p.rectification_status, n.rectification_status)
         WHEN $given_rectification_status THEN n.rectification_status ELSE p.rectification_status END,
    CASE WHEN $keep_rectified_at THEN coalesce(p.rectified_at, n.rectified_at)
         WHEN $given_rectified_at THEN n.rectified_at ELSE p.rectified_at END,
    CASE WHEN $given_reporter_hash THEN n.reporter_hash ELSE p.reporter_hash END,
    -- the labels the file gave travel with their family
    CASE WHEN $keep_category THEN CASE WHEN p.category IS NULL THEN n.category_label ELSE p.category_label END
         WHEN $given_category THEN n.category_label ELSE p.category_label END,
    CASE WHEN $keep_outcome THEN CASE WHEN p.outcome IS NULL THEN n.outcome_label ELSE p.outcome_label END
         WHEN $given_outcome THEN n.outcome_label ELSE p.outcome_label END,
    CASE WHEN $keep_callback_operator THEN coalesce(p.callback_operator, n.callback_operator)
         WHEN $given_callback_operator THEN n.callback_operator ELSE p.callback_operator END,
    CASE WHEN $keep_dispute_ref THEN coalesce(p.dispute_ref, n.dispute_ref)
         WHEN $given_dispute_ref THEN n.dispute_ref ELSE p.dispute_ref END,
    CASE WHEN $keep_opinion_collected AND p.opinion_collected IS NOT NULL THEN p.opinion_collected
         WHEN $given_opinion_collected OR $given_opinion_text
             THEN coalesce(n.opinion_collected, CASE WHEN n.opinion_text IS NOT NULL THEN true END, p.opinion_collected)
         ELSE p.opinion_collected END
FROM ingest_typed n LEFT JOIN cases p ON p.case_id = n.case_id;

INSERT INTO comment_events (batch_id, comment_id, source, source_label, jurisdiction_code, commented_at, text,
                            tone, tone_words, case_id)
SELECT $batch_id, 'case:' || n.case_id, 'callback', NULL, n.jurisdiction,
       CAST(coalesce(n.callback_at, n.reported_at) AS DATE), x.clean, x.tone, x.tone_words, n.case_id
FROM ingest_typed n JOIN ingest_text x ON x.original = n.opinion_text;

INSERT INTO text_topics (batch_id, record_kind, record_id, topic, origin, evidence)
SELECT $batch_id, 'comment', 'case:' || n.case_id, g.topic, 'derived', g.evidence
FROM ingest_typed n JOIN ingest_text_topics g ON g.original = n.opinion_text;
