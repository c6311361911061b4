/// CityStore's own tables: the job queue, the audit log and the platform change log.
public enum StoreMigrations {
    public static let all: [Migration] = [
        Migration(module: "store", number: 1, name: "job queue", statements: [
            """
            CREATE TABLE jobs (
                id {id},
                queue TEXT NOT NULL,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                dedupe_key TEXT UNIQUE,
                state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
                run_at {timestamp} NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                max_attempts INTEGER NOT NULL,
                locked_by TEXT,
                locked_until {timestamp},
                last_error TEXT,
                created_at {timestamp} NOT NULL,
                finished_at {timestamp}
            )
            """,
            "CREATE INDEX jobs_ready ON jobs (queue, state, run_at)",
        ]),
        Migration(module: "store", number: 2, name: "audit log", statements: [
            """
            CREATE TABLE audit_log (
                seq {bigint} PRIMARY KEY,
                at {timestamp} NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                record_type TEXT,
                record_id TEXT,
                division_code TEXT,
                purpose TEXT,
                source TEXT,
                request_id TEXT,
                outcome TEXT NOT NULL,
                detail TEXT,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            )
            """,
            "CREATE INDEX audit_log_record ON audit_log (record_type, record_id)",
            "CREATE INDEX audit_log_actor ON audit_log (actor, at)",
            // Append-only: the application may insert, never update or delete. Someone with the
            // database's owner rights can still drop these; the hash chain is what catches that.
            "sqlite:CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
            "sqlite:CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
            """
            postgres:CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$
            """,
            "postgres:CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
        ]),
        Migration(module: "store", number: 3, name: "platform change log", statements: [
            """
            CREATE TABLE change_log (
                cursor {bigint} PRIMARY KEY,
                at {timestamp} NOT NULL,
                module TEXT NOT NULL,
                record_type TEXT NOT NULL,
                record_key TEXT NOT NULL,
                division_code TEXT,
                operation TEXT NOT NULL CHECK (operation IN ('created', 'updated', 'deleted')),
                fields TEXT NOT NULL,
                actor TEXT NOT NULL
            )
            """,
            "CREATE INDEX change_log_record ON change_log (record_type, record_key)",
        ]),
        // PostgreSQL's append of a batch chained ahead of time: it takes the chain's lock, then
        // checks the head with a snapshot taken after the lock was granted (each statement of a
        // function takes its own), so a batch sent while the one it follows commits goes in after it.
        Migration(module: "store", number: 4, name: "audit append function", statements: [
            """
            postgres:CREATE FUNCTION audit_log_append(rows json, head_seq bigint, head_hash text) RETURNS SETOF bigint LANGUAGE plpgsql AS $$
            DECLARE last_seq bigint; last_hash text;
            BEGIN
                PERFORM pg_advisory_xact_lock(\(AuditLog.lockKey));
                SELECT seq, hash INTO last_seq, last_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
                IF COALESCE(last_seq, 0) <> head_seq OR COALESCE(last_hash, '\(AuditLog.genesisHash)') <> head_hash THEN
                    RETURN;
                END IF;
                RETURN QUERY INSERT INTO audit_log (\(AuditLog.columns.joined(separator: ", ")))
                    SELECT \(AuditLog.columns.map { "r." + $0 }.joined(separator: ", ")) FROM json_populate_recordset(NULL::audit_log, rows) AS r
                    RETURNING seq;
            END $$
            """,
        ]),
        // Followers read "changes of these types after my cursor" after every commit (the wall
        // display, the geography index, subscriptions). Without this index SQLite answered them
        // from `change_log_record`, reading every change of the type ever made, each time.
        Migration(module: "store", number: 5, name: "change log by type and cursor", statements: [
            "CREATE INDEX change_log_type_cursor ON change_log (record_type, cursor)",
        ]),
        // A transaction that writes audit entries and change-log rows on PostgreSQL takes the
        // chains' lock and reads both heads in one round trip, not four: each statement of a
        // function takes its own snapshot, so the heads are read after the lock was granted.
        Migration(module: "store", number: 6, name: "chain heads under the lock", statements: [
            """
            postgres:CREATE FUNCTION chain_heads() RETURNS TABLE (audit_seq bigint, audit_hash text, change_cursor bigint) LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock(\(AuditLog.lockKey));
                RETURN QUERY SELECT
                    (SELECT a.seq FROM audit_log a ORDER BY a.seq DESC LIMIT 1),
                    (SELECT a.hash FROM audit_log a ORDER BY a.seq DESC LIMIT 1),
                    (SELECT COALESCE(MAX(c.cursor), 0) FROM change_log c);
            END $$
            """,
        ]),
    ]
}
