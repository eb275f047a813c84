-- Every jurisdiction under $code, itself included (jurisdiction_ancestors lists each one as its own ancestor).
SELECT code FROM jurisdiction_ancestors WHERE ancestor_code = $code;
