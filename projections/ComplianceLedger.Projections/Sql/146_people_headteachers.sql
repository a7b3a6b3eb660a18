-- Every exception view and decision asks who the school's headteachers are (the chair decides
-- the head's own requests). Without an index that read every person of the school; a school
-- has one or two heads.
CREATE INDEX people_headteachers ON rm.people (tenant) WHERE 'headteacher' = ANY (roles);
