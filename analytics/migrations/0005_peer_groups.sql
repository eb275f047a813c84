-- Jingmin schema, version 5: peer groups — named sets of similar jurisdictions (same level) that the
-- Compare page and `python -m analytics compare --peer-group NAME` compare among themselves.
-- Edited on the Compare page and with `python -m analytics peers`; every change is audited.
CREATE TABLE IF NOT EXISTS peer_groups (
    group_name        VARCHAR NOT NULL,
    jurisdiction_code VARCHAR NOT NULL,
    PRIMARY KEY (group_name, jurisdiction_code)
);
