-- Every registry jurisdiction's code and level (the map upload matches shapes against them).
SELECT code, level FROM jurisdictions;
