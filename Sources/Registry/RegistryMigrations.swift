import CityStore

/// Registry's tables.
public enum RegistryMigrations {
    public static let all: [Migration] = [
        Migration(module: "registry", number: 1, name: "divisions", statements: [
            """
            CREATE TABLE divisions (
                code TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                level TEXT NOT NULL,
                parent_code TEXT,
                label_lon DOUBLE PRECISION,
                label_lat DOUBLE PRECISION,
                boundary TEXT,
                source TEXT,
                updated_at {timestamp} NOT NULL
            )
            """,
            "CREATE INDEX divisions_parent ON divisions (parent_code)",
        ]),
        // Persons. Both tables lead with `id_division`, the first six digits of the ID number (the
        // place of first registration): it never changes and a lookup by number knows it, so it is
        // the column Citus would distribute and co-locate them by, and a person who moves house
        // stays on their shard. `division_code` (where they live now) is what scope and search use.
        Migration(module: "registry", number: 2, name: "persons: source records and golden records", statements: [
            """
            CREATE TABLE person_records (
                id_division TEXT NOT NULL,
                id_number TEXT NOT NULL,
                source TEXT NOT NULL,
                version INTEGER NOT NULL,
                received_at {timestamp} NOT NULL,
                name TEXT,
                sex TEXT,
                birth_date TEXT,
                phone TEXT,
                address TEXT,
                division_code TEXT,
                origin TEXT NOT NULL,
                PRIMARY KEY (id_division, id_number, source, version)
            )
            """,
            """
            CREATE TABLE persons (
                id_division TEXT NOT NULL,
                id_number TEXT NOT NULL,
                name TEXT {codepoint},
                sex TEXT NOT NULL,
                birth_date TEXT NOT NULL,
                phone TEXT,
                address TEXT,
                division_code TEXT NOT NULL,
                sources TEXT NOT NULL,
                provenance TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                updated_at {timestamp} NOT NULL,
                PRIMARY KEY (id_division, id_number)
            )
            """,
            "CREATE INDEX persons_name ON persons (name, division_code)",
        ]),
        // Geography beside the divisions, keyed by division first (the distribution column) and code.
        Migration(module: "registry", number: 3, name: "geography: grids, addresses, cameras", statements: [
            """
            CREATE TABLE grids (
                division_code TEXT NOT NULL,
                code TEXT NOT NULL,
                name TEXT NOT NULL,
                boundary TEXT NOT NULL,
                worker TEXT,
                source TEXT NOT NULL,
                demo BOOLEAN NOT NULL,
                updated_at {timestamp} NOT NULL,
                PRIMARY KEY (division_code, code)
            )
            """,
            """
            CREATE TABLE addresses (
                division_code TEXT NOT NULL,
                code TEXT NOT NULL,
                name TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('address', 'poi')),
                lon DOUBLE PRECISION NOT NULL,
                lat DOUBLE PRECISION NOT NULL,
                source TEXT NOT NULL,
                demo BOOLEAN NOT NULL,
                updated_at {timestamp} NOT NULL,
                PRIMARY KEY (division_code, code)
            )
            """,
            """
            CREATE TABLE cameras (
                division_code TEXT NOT NULL,
                code TEXT NOT NULL,
                name TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('fixed', 'ptz')),
                lon DOUBLE PRECISION NOT NULL,
                lat DOUBLE PRECISION NOT NULL,
                owner_code TEXT,
                stream_url TEXT,
                online BOOLEAN NOT NULL,
                source TEXT NOT NULL,
                demo BOOLEAN NOT NULL,
                updated_at {timestamp} NOT NULL,
                PRIMARY KEY (division_code, code)
            )
            """,
            // A code names one feature city-wide: an import finds it wherever it was.
            "CREATE INDEX grids_code ON grids (code)",
            "CREATE INDEX addresses_code ON addresses (code)",
            "CREATE INDEX cameras_code ON cameras (code)",
        ]),
        // Legal entities, keyed like persons by a part of their identifier that never changes: the
        // credit code's registration division (characters 3-8), then the code.
        Migration(module: "registry", number: 4, name: "legal entities: source records and golden records", statements: [
            """
            CREATE TABLE entity_records (
                reg_division TEXT NOT NULL,
                credit_code TEXT NOT NULL,
                source TEXT NOT NULL,
                version INTEGER NOT NULL,
                received_at {timestamp} NOT NULL,
                name TEXT,
                kind TEXT,
                legal_rep_id_number TEXT,
                address TEXT,
                division_code TEXT,
                status TEXT,
                status_date TEXT,
                business_scope TEXT,
                origin TEXT NOT NULL,
                PRIMARY KEY (reg_division, credit_code, source, version)
            )
            """,
            """
            CREATE TABLE entities (
                reg_division TEXT NOT NULL,
                credit_code TEXT NOT NULL,
                name TEXT {codepoint},
                kind TEXT,
                legal_rep_id_number TEXT,
                address TEXT,
                division_code TEXT,
                status TEXT,
                status_date TEXT,
                business_scope TEXT,
                registered_elsewhere BOOLEAN NOT NULL,
                sources TEXT NOT NULL,
                provenance TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                updated_at {timestamp} NOT NULL,
                PRIMARY KEY (reg_division, credit_code)
            )
            """,
            "CREATE INDEX entities_name ON entities (name, division_code)",
            "CREATE INDEX entities_legal_rep ON entities (legal_rep_id_number)",
        ]),
        // The latest quality report of each registry and scope: built by a background job (it
        // reads every record in scope: minutes at the city's scale), read by the API.
        Migration(module: "registry", number: 5, name: "quality reports", statements: [
            """
            CREATE TABLE quality_reports (
                registry TEXT NOT NULL,
                division_code TEXT NOT NULL,
                generated_at {timestamp} NOT NULL,
                duration_ms INTEGER NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (registry, division_code)
            )
            """,
        ]),
        // Real-name binding (实名认证): a portal account and the person it is, one account a person.
        Migration(module: "registry", number: 6, name: "citizens bound to persons", statements: [
            """
            CREATE TABLE citizen_persons (
                citizen_id TEXT PRIMARY KEY,
                id_number TEXT NOT NULL UNIQUE,
                bound_at {timestamp} NOT NULL
            )
            """,
        ]),
    ]
}
