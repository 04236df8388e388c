-- Runs once, when the PostgreSQL volume is initialised: Temporal keeps workflow
-- visibility (the list and search-attribute filters of the UI) in a database of its own.
-- POSTGRES_DB creates the main `temporal` database.
CREATE DATABASE temporal_visibility;
