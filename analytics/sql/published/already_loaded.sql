-- A loaded (not removed) published-results load of the same file ($sha256 of its bytes).
SELECT load_id, source_name FROM published_loads WHERE sha256 = $sha256 AND status = 'loaded';
