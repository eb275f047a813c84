-- A tiny city for hand-computed tests. City C > districts D1, D2 > stations S1, S2 (D1), S3 (D2).
INSERT INTO jurisdictions (code, name_zh, name_en, parent_code, level, population) VALUES
    ('C', '测试市', 'Test City', NULL, 'city', 300),
    ('D1', '一区', 'District One', 'C', 'district', 200),
    ('D2', '二区', 'District Two', 'C', 'district', 100),
    ('S1', '甲派出所', 'Station A', 'D1', 'station', 100),
    ('S2', '乙派出所', 'Station B', 'D1', 'station', 100),
    ('S3', '丙派出所', 'Station C', 'D2', 'station', 100);
INSERT INTO batches (batch_id, kind, source_name, sha256, row_count) VALUES (1, 'survey', 'fixture.csv', 'x', 9);
INSERT INTO respondents (respondent_key, batch_id, respondent_id, jurisdiction_code, interview_date,
                         design_weight, weight, stratum, cluster) VALUES
    (1, 1, 'r1', 'S1', DATE '2025-01-05', 1.0, 1.0, NULL, NULL),
    (2, 1, 'r2', 'S1', DATE '2025-01-06', 2.0, 2.0, NULL, NULL),
    (3, 1, 'r3', 'S1', DATE '2025-01-07', 1.0, 1.0, NULL, NULL),
    (4, 1, 'r4', 'S1', DATE '2025-01-08', 1.0, 1.0, NULL, NULL),
    (5, 1, 'r5', 'S2', DATE '2025-02-10', 1.0, 1.0, NULL, NULL),
    (6, 1, 'r6', 'S2', DATE '2025-02-11', 3.0, 3.0, NULL, NULL),
    (7, 1, 'r7', 'S3', DATE '2025-04-01', 1.0, 1.0, NULL, NULL),
    (8, 1, 'r8', 'S3', DATE '2025-04-02', 1.0, 1.0, NULL, NULL),
    (9, 1, 'r9', 'S3', DATE '2026-04-02', 1.0, 1.0, NULL, NULL);
-- seen_police: S1 = yes, yes, no, don't know; S2 = yes, no; S3 = yes, yes (2025Q2), no (2026Q2)
INSERT INTO answers (respondent_key, batch_id, item, code) VALUES
    (1, 1, 'seen_police', '1'), (2, 1, 'seen_police', '1'), (3, 1, 'seen_police', '0'), (4, 1, 'seen_police', '9'),
    (5, 1, 'seen_police', '1'), (6, 1, 'seen_police', '0'),
    (7, 1, 'seen_police', '1'), (8, 1, 'seen_police', '1'), (9, 1, 'seen_police', '0'),
    (1, 1, 'satisfaction', '5'), (2, 1, 'satisfaction', '4'), (3, 1, 'satisfaction', '3'), (4, 1, 'satisfaction', '9'),
    (1, 1, 'satisfaction_3', '3'), (2, 1, 'satisfaction_3', '2'), (3, 1, 'satisfaction_3', '1');
