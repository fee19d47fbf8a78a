// graphsvc: Neo4j 5 constraints and indexes, applied idempotently at every start-up.
// Every label's id is unique; name_key (NFKC, case-folded name) serves sorting and prefix search.
CREATE CONSTRAINT person_id IF NOT EXISTS FOR (n:Person) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT organization_id IF NOT EXISTS FOR (n:Organization) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT institution_id IF NOT EXISTS FOR (n:Institution) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT interest_id IF NOT EXISTS FOR (n:Interest) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT language_id IF NOT EXISTS FOR (n:Language) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT neighborhood_id IF NOT EXISTS FOR (n:Neighborhood) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT mentorship_id IF NOT EXISTS FOR (n:Mentorship) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT circle_id IF NOT EXISTS FOR (n:Circle) REQUIRE n.id IS UNIQUE;
CREATE INDEX person_name_key IF NOT EXISTS FOR (n:Person) ON (n.name_key);
CREATE INDEX organization_name_key IF NOT EXISTS FOR (n:Organization) ON (n.name_key);
CREATE INDEX institution_name_key IF NOT EXISTS FOR (n:Institution) ON (n.name_key);
CREATE INDEX interest_name_key IF NOT EXISTS FOR (n:Interest) ON (n.name_key);
CREATE INDEX language_name_key IF NOT EXISTS FOR (n:Language) ON (n.name_key);
CREATE INDEX neighborhood_name_key IF NOT EXISTS FOR (n:Neighborhood) ON (n.name_key);
CREATE INDEX circle_name_key IF NOT EXISTS FOR (n:Circle) ON (n.name_key);
CREATE INDEX mentorship_status IF NOT EXISTS FOR (n:Mentorship) ON (n.status);
CREATE CONSTRAINT api_token_id IF NOT EXISTS FOR (t:ApiToken) REQUIRE t.id IS UNIQUE;
CREATE CONSTRAINT api_token_hash IF NOT EXISTS FOR (t:ApiToken) REQUIRE t.hash IS UNIQUE;
CREATE CONSTRAINT setting_key IF NOT EXISTS FOR (s:Setting) REQUIRE s.key IS UNIQUE;
