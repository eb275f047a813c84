-- Remove a scheme and its components (before saving it anew, or for good).
DELETE FROM assessment_components WHERE scheme = $name;

DELETE FROM assessment_schemes WHERE name = $name;
