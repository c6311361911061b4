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
    ]
}
