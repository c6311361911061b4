import CityStore

/// The Cases module's tables. Cases and everything hanging off them are keyed by the case's
/// division code first (the county-level division its place lies in), the column Citus would
/// distribute and co-locate them by; the case number embeds it, so a lookup by number knows it.
public enum CasesMigrations {
    public static let all: [Migration] = [
        Migration(module: "cases", number: 1, name: "categories, calendar, routing and deadline rules", statements: [
            // The component / event codes (GB/T 30428.2 style: family digit, major, subcategory)
            // and the hotline's own categories: seeded, editable by an operator.
            """
            CREATE TABLE case_categories (
                code TEXT PRIMARY KEY,
                family TEXT NOT NULL,
                major TEXT NOT NULL,
                name TEXT NOT NULL,
                major_name TEXT NOT NULL,
                active {bool} NOT NULL,
                updated_at {timestamp} NOT NULL
            )
            """,
            // The working-day schedule, loaded per year (holidays and working weekend days).
            """
            CREATE TABLE work_calendar_days (
                day TEXT PRIMARY KEY,
                year INTEGER NOT NULL,
                kind TEXT NOT NULL,
                name TEXT NOT NULL
            )
            """,
            // Category (or its prefix) × division (or its prefix) → the handling organisation.
            // The most specific rule wins: the longest category prefix, then the longest division.
            """
            CREATE TABLE case_routing_rules (
                id {id},
                category_prefix TEXT NOT NULL,
                division_prefix TEXT NOT NULL,
                organisation_code TEXT NOT NULL,
                updated_at {timestamp} NOT NULL,
                UNIQUE (category_prefix, division_prefix)
            )
            """,
            // How long handling may take: by category prefix, hotline kind and urgency ('' = any).
            """
            CREATE TABLE case_deadline_rules (
                id {id},
                category_prefix TEXT NOT NULL,
                kind TEXT NOT NULL,
                urgency TEXT NOT NULL,
                amount INTEGER NOT NULL,
                unit TEXT NOT NULL,
                updated_at {timestamp} NOT NULL,
                UNIQUE (category_prefix, kind, urgency)
            )
            """,
        ]),
        Migration(module: "cases", number: 2, name: "cases, timeline, attachments, numbering", statements: [
            """
            CREATE TABLE case_counters (
                division_code TEXT NOT NULL,
                day TEXT NOT NULL,
                last INTEGER NOT NULL,
                PRIMARY KEY (division_code, day)
            )
            """,
            """
            CREATE TABLE cases (
                division_code TEXT NOT NULL,
                number TEXT NOT NULL,
                channel TEXT NOT NULL,
                kind TEXT,
                category_code TEXT NOT NULL,
                urgency TEXT NOT NULL,
                state TEXT NOT NULL,
                description TEXT NOT NULL,
                lon DOUBLE PRECISION,
                lat DOUBLE PRECISION,
                address TEXT,
                grid_code TEXT,
                reporter_name TEXT,
                reporter_phone TEXT,
                reporter_id_number TEXT,
                reporter_account TEXT,
                organisation_code TEXT,
                reported_at {timestamp} NOT NULL,
                registered_at {timestamp},
                dispatched_at {timestamp},
                accepted_at {timestamp},
                reported_back_at {timestamp},
                closed_at {timestamp},
                deadline_at {timestamp},
                warned_at {timestamp},
                overdue_at {timestamp},
                escalations INTEGER NOT NULL,
                reworks INTEGER NOT NULL,
                returns INTEGER NOT NULL,
                extended {bool} NOT NULL,
                pending_request TEXT,
                pending_amount INTEGER,
                pending_unit TEXT,
                pending_reason TEXT,
                merged_into TEXT,
                handed_off_to TEXT,
                callback_at {timestamp},
                solved {bool},
                satisfied {bool},
                updated_at {timestamp} NOT NULL,
                PRIMARY KEY (division_code, number)
            )
            """,
            "CREATE INDEX cases_state ON cases (state, division_code)",
            "CREATE INDEX cases_organisation ON cases (organisation_code, state)",
            "CREATE INDEX cases_reported ON cases (reported_at)",
            "CREATE INDEX cases_category_place ON cases (category_code, lat, lon)",
            """
            CREATE TABLE case_events (
                division_code TEXT NOT NULL,
                number TEXT NOT NULL,
                seq INTEGER NOT NULL,
                at {timestamp} NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                from_state TEXT,
                to_state TEXT NOT NULL,
                organisation_code TEXT,
                note TEXT,
                PRIMARY KEY (division_code, number, seq)
            )
            """,
            """
            CREATE TABLE case_attachments (
                division_code TEXT NOT NULL,
                number TEXT NOT NULL,
                id TEXT NOT NULL,
                stage TEXT NOT NULL,
                content_type TEXT NOT NULL,
                size INTEGER NOT NULL,
                sha256 TEXT NOT NULL,
                data {bytes} NOT NULL,
                actor TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                PRIMARY KEY (division_code, number, id)
            )
            """,
        ]),
        // Queues filter a state's cases by category (a code prefix, as a range) and sort by deadline.
        Migration(module: "cases", number: 3, name: "queue index", statements: [
            "CREATE INDEX cases_state_category ON cases (state, category_code, deadline_at)",
        ]),
        // The reference data's version: every change to it, by the API, the seed or by hand,
        // bumps it in the change's own transaction (triggers), so each process's cached copy
        // (`CatalogueCache`) knows, with one small read, whether it is still current.
        Migration(module: "cases", number: 4, name: "catalogue version", statements: [
            """
            CREATE TABLE case_catalogue_version (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                version {bigint} NOT NULL
            )
            """,
            "INSERT INTO case_catalogue_version (id, version) VALUES (1, 0)",
            """
            postgres:CREATE FUNCTION case_catalogue_bump() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN UPDATE case_catalogue_version SET version = version + 1 WHERE id = 1; RETURN NULL; END $$
            """,
            "sqlite:CREATE TRIGGER case_categories_insert_bump AFTER INSERT ON case_categories BEGIN UPDATE case_catalogue_version SET version = version + 1 WHERE id = 1; END",
            "sqlite:CREATE TRIGGER case_categories_update_bump AFTER UPDATE ON case_categories BEGIN UPDATE case_catalogue_version SET version = version + 1 WHERE id = 1; END",
            "sqlite:CREATE TRIGGER case_categories_delete_bump AFTER DELETE ON case_categories BEGIN UPDATE case_catalogue_version SET version = version + 1 WHERE id = 1; END",
            "postgres:CREATE TRIGGER case_categories_bump AFTER INSERT OR UPDATE OR DELETE ON case_categories FOR EACH STATEMENT EXECUTE FUNCTION case_catalogue_bump()",
            "sqlite:CREATE TRIGGER work_calendar_days_insert_bump AFTER INSERT ON work_calendar_days BEGIN UPDATE case_catalogue_version SET version = version + 1 WHERE id = 1; END",
            "sqlite:CREATE TRIGGER work_calendar_days_update_bump AFTER UPDATE ON work_calendar_days BEGIN UPDATE case_catalogue_version SET version = version + 1 WHERE id = 1; END",
            "sqlite:CREATE TRIGGER work_calendar_days_delete_bump AFTER DELETE ON work_calendar_days BEGIN UPDATE case_catalogue_version SET version = version + 1 WHERE id = 1; END",
            "postgres:CREATE TRIGGER work_calendar_days_bump AFTER INSERT OR UPDATE OR DELETE ON work_calendar_days FOR EACH STATEMENT EXECUTE FUNCTION case_catalogue_bump()",
            "sqlite:CREATE TRIGGER case_routing_rules_insert_bump AFTER INSERT ON case_routing_rules BEGIN UPDATE case_catalogue_version SET version = version + 1 WHERE id = 1; END",
            "sqlite:CREATE TRIGGER case_routing_rules_update_bump AFTER UPDATE ON case_routing_rules BEGIN UPDATE case_catalogue_version SET version = version + 1 WHERE id = 1; END",
            "sqlite:CREATE TRIGGER case_routing_rules_delete_bump AFTER DELETE ON case_routing_rules BEGIN UPDATE case_catalogue_version SET version = version + 1 WHERE id = 1; END",
            "postgres:CREATE TRIGGER case_routing_rules_bump AFTER INSERT OR UPDATE OR DELETE ON case_routing_rules FOR EACH STATEMENT EXECUTE FUNCTION case_catalogue_bump()",
            "sqlite:CREATE TRIGGER case_deadline_rules_insert_bump AFTER INSERT ON case_deadline_rules BEGIN UPDATE case_catalogue_version SET version = version + 1 WHERE id = 1; END",
            "sqlite:CREATE TRIGGER case_deadline_rules_update_bump AFTER UPDATE ON case_deadline_rules BEGIN UPDATE case_catalogue_version SET version = version + 1 WHERE id = 1; END",
            "sqlite:CREATE TRIGGER case_deadline_rules_delete_bump AFTER DELETE ON case_deadline_rules BEGIN UPDATE case_catalogue_version SET version = version + 1 WHERE id = 1; END",
            "postgres:CREATE TRIGGER case_deadline_rules_bump AFTER INSERT OR UPDATE OR DELETE ON case_deadline_rules FOR EACH STATEMENT EXECUTE FUNCTION case_catalogue_bump()",
        ]),
        // The indicator table kept by triggers as cases change (see `IndicatorRollup`).
        Migration(module: "cases", number: 5, name: "indicator rollup", statements: IndicatorRollup.migrationStatements),
        // A queue page sorts its matching cases by deadline and reads only the page's rows: the
        // index holds every column the filter and the order need, so the sort reads no table row.
        Migration(module: "cases", number: 6, name: "queue covering index", statements: [
            "CREATE INDEX cases_queue ON cases (state, category_code, deadline_at, reported_at, division_code, number)",
            "DROP INDEX cases_state_category",
        ]),
        // Whether the reporter's ID number is a resident in the persons registry when the case was filed.
        Migration(module: "cases", number: 7, name: "reporter linked to the persons registry", statements: [
            "ALTER TABLE cases ADD COLUMN reporter_registered {bool}",
        ]),
    ]
}
