-- The data version counter (text), the page-layer cache key.
SELECT value FROM meta WHERE key = 'data_version';
