-- The registry's codes and names (to suggest close names or pick free codes).
SELECT code, name_zh, name_en FROM jurisdictions ORDER BY code;
