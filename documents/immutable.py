"""The database's refusal to change an issued document: a trigger per dialect, raising ``NEVER_CHANGE`` on any
update of ``documents``. Plain constants, shared by the model (``db.create_all``) and migration 65b1e6c24c6b."""

NEVER_CHANGE = "issued documents never change; issue a correction"
TRIGGERS = {
    "sqlite": [f"CREATE TRIGGER documents_never_change BEFORE UPDATE ON documents "
               f"BEGIN SELECT RAISE(ABORT, '{NEVER_CHANGE}'); END"],
    "postgresql": [f"CREATE OR REPLACE FUNCTION documents_never_change() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN RAISE EXCEPTION '{NEVER_CHANGE}'; END $$",
                   "CREATE TRIGGER documents_never_change BEFORE UPDATE ON documents FOR EACH ROW "
                   "EXECUTE FUNCTION documents_never_change()"],
}
