-- How many text-topic rows were derived by the dictionary (written by voice/retag; the audit entry's count).
SELECT count(*) AS n FROM text_topics WHERE origin = 'derived';
