import CityStore

/// Identity's tables. Organisations, staff and keys are small (thousands of rows) and read by every
/// division: on Citus they are reference tables, replicated to every node.
public enum IdentityMigrations {
    public static let all: [Migration] = [
        Migration(module: "identity", number: 1, name: "organisations, staff, roles, citizens, API keys, sessions", statements: [
            """
            CREATE TABLE organisations (
                code TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                name_en TEXT,
                parent_code TEXT REFERENCES organisations (code),
                division_code TEXT NOT NULL,
                kind TEXT NOT NULL,
                created_at {timestamp} NOT NULL
            )
            """,
            "CREATE INDEX organisations_division ON organisations (division_code)",
            "CREATE INDEX organisations_parent ON organisations (parent_code)",
            """
            CREATE TABLE staff_users (
                id {id},
                username TEXT NOT NULL UNIQUE,
                display_name TEXT NOT NULL,
                organisation_code TEXT NOT NULL REFERENCES organisations (code),
                division_code TEXT NOT NULL,
                password_hash TEXT,
                active {bool} NOT NULL,
                failed_logins INTEGER NOT NULL DEFAULT 0,
                locked_until {timestamp},
                created_at {timestamp} NOT NULL
            )
            """,
            "CREATE INDEX staff_users_organisation ON staff_users (organisation_code)",
            """
            CREATE TABLE staff_roles (
                user_id {bigint} NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
                role TEXT NOT NULL,
                PRIMARY KEY (user_id, role)
            )
            """,
            """
            CREATE TABLE citizens (
                id {id},
                phone TEXT NOT NULL UNIQUE,
                display_name TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                created_at {timestamp} NOT NULL
            )
            """,
            """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                organisation_code TEXT NOT NULL REFERENCES organisations (code),
                secret_hash TEXT NOT NULL,
                roles TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                revoked_at {timestamp}
            )
            """,
            """
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY,
                subject_kind TEXT NOT NULL,
                subject_id TEXT NOT NULL,
                channel TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                expires_at {timestamp} NOT NULL,
                revoked_at {timestamp}
            )
            """,
            "CREATE INDEX sessions_subject ON sessions (subject_kind, subject_id)",
        ]),
        Migration(module: "identity", number: 2, name: "failed logins by source", statements: [
            "CREATE TABLE login_failures (id {id}, source TEXT NOT NULL, username TEXT NOT NULL, at {timestamp} NOT NULL)",
            "CREATE INDEX login_failures_source ON login_failures (source, at)",
        ]),
        Migration(module: "identity", number: 3, name: "failed logins by account and address; revocations feed", statements: [
            // The per-account-and-address count of LoginThrottle. staff_users.failed_logins and
            // locked_until are no longer used: a lock per account alone let anyone lock anyone out.
            "CREATE INDEX login_failures_account ON login_failures (username, source, at)",
            // Every ended session, revoked key and changed account, in commit order: each server
            // process drops what it cached for them (PostgreSQL also NOTIFYs; SQLite is polled).
            """
            CREATE TABLE revocations (
                seq {id},
                subject_kind TEXT NOT NULL CHECK (subject_kind IN ('session', 'staff', 'citizen', 'apiKey')),
                subject_id TEXT NOT NULL,
                at {timestamp} NOT NULL
            )
            """,
        ]),
        Migration(module: "identity", number: 4, name: "phone sign-in codes", statements: [
            // One live code per phone: its hash, when it was sent and expires, the guesses made at it.
            """
            CREATE TABLE phone_codes (
                phone TEXT PRIMARY KEY,
                code_hash TEXT NOT NULL,
                sent_at {timestamp} NOT NULL,
                expires_at {timestamp} NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0
            )
            """,
        ]),
        // When a sign-in code last proved the account holds its phone: real-name binding asks for it.
        Migration(module: "identity", number: 5, name: "citizens' phone verification", statements: [
            "ALTER TABLE citizens ADD COLUMN phone_verified_at {timestamp}",
        ]),
        // PostgreSQL counts and records a login attempt in one round trip (`LoginThrottle.begin`):
        // the lock first, then each count with a snapshot taken after it was granted (each statement
        // of a function takes its own), so attempts made at once are counted one after another.
        Migration(module: "identity", number: 6, name: "login attempt in one round trip", statements: [
            """
            postgres:CREATE FUNCTION login_attempt_begin(p_source text, p_account text, p_since timestamptz, p_now timestamptz,
                                                         p_limit bigint, p_account_limit bigint)
            RETURNS TABLE (attempt_id bigint, refused text, failures bigint, oldest timestamptz) LANGUAGE plpgsql AS $$
            DECLARE c bigint; o timestamptz;
            BEGIN
                PERFORM pg_advisory_xact_lock(\(LoginThrottle.lockKey));
                SELECT COUNT(*), MIN(f.at) INTO c, o FROM login_failures f WHERE f.source = p_source AND f.at > p_since;
                IF c >= p_limit THEN
                    RETURN QUERY SELECT NULL::bigint, 'source'::text, c, o;
                    RETURN;
                END IF;
                SELECT COUNT(*), MIN(f.at) INTO c, o FROM login_failures f WHERE f.username = p_account AND f.source = p_source AND f.at > p_since;
                IF c >= p_account_limit THEN
                    RETURN QUERY SELECT NULL::bigint, 'account'::text, c, o;
                    RETURN;
                END IF;
                RETURN QUERY INSERT INTO login_failures AS f (source, username, at) VALUES (p_source, p_account, p_now)
                    RETURNING f.id::bigint, NULL::text, 0::bigint, NULL::timestamptz;
            END $$
            """,
        ]),
    ]
}
