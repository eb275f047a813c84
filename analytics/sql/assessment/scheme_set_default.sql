-- Make $name the only default scheme.
UPDATE assessment_schemes SET is_default = (name = $name);
